//! The web dashboard: every page valid HTML with nothing fetched from elsewhere (plain HTTP),
//! and, in headless Chromium over WebDriver, sign-in, the timeline and matrix against the
//! CLI's JSON, a status recorded in one browser appearing live in another, evidence up and
//! down byte-identical, refusals that write nothing, and keyboard navigation.
//!
//! Chromium and chromedriver come from Debian (`.ci/run` installs them). Without them the
//! browser test fails under CI (`CI` set) and is skipped, with a note, elsewhere.

mod util;
mod web_html;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::Value;
use util::server::{plan_name, token, york, Server};
use util::Ledger;

const YORK: &str = "tests/data/york-wsoa-area1.txt";
const NOVEMBER: &str = "RAG November 20";

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request: status, headers, body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    cookie: &str,
    form: Option<&str>,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let body = form.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let code = answer[9..12].parse().unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (code, head.to_string(), body.to_string())
}

/// The value of cookie `name` set by a response's headers.
fn set_cookie(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Signs in over plain HTTP; the session cookie header.
fn sign_in_http(addr: &str, token: &str) -> String {
    let (code, head, body) = http(addr, "GET", "/signin", "", None);
    assert_eq!(code, 200);
    let pre = set_cookie(&head, "rl_signin").expect("a sign-in cookie");
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap();
    let form = format!("token={token}&csrf={csrf}&next=%2F");
    let (code, head, _) = http(
        addr,
        "POST",
        "/signin",
        &format!("rl_signin={pre}"),
        Some(&form),
    );
    assert_eq!(code, 303, "{head}");
    assert!(
        head.contains("HttpOnly") && head.contains("SameSite=Strict"),
        "{head}"
    );
    format!("rl_session={}", set_cookie(&head, "rl_session").unwrap())
}

#[test]
fn every_page_is_valid_html_and_names_no_other_site() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let s = Server::start(&l, &[]);
    let p = plan_name(&l);
    let (code, head, _) = http(&s.addr, "GET", &format!("/plans/{p}/matrix"), "", None);
    assert_eq!(code, 303, "no session: sent to sign in");
    assert!(head.contains("location: /signin?next="), "{head}");
    let cookie = sign_in_http(&s.addr, &officer);
    let pages = [
        "/signin".to_string(),
        format!("/plans/{p}"),
        format!("/plans/{p}?as_of=RAG%20November%2020&known_at=2030-01-01"),
        format!("/plans/{p}/matrix"),
        format!("/plans/{p}/matrix?as_of=RAG%20November%2020"),
        format!("/plans/{p}/diff"),
        format!("/plans/{p}/gaps"),
        format!("/plans/{p}/log?event=status_recorded&area=1"),
        format!("/plans/{p}/actions/1.1"),
        format!("/plans/{p}/record"),
        format!("/plans/{p}/verify?run=1"),
        format!("/plans/{p}/sign-off"),
        format!("/plans/{p}/report"),
    ];
    // The checker does report errors (its own tests check each rule).
    let bad = web_html::check(
        "<!DOCTYPE html><title>t</title><p><a href='https://x.example/'>x</a></div>",
    );
    assert!(
        !bad.errors.is_empty() && bad.urls == ["https://x.example/"],
        "{bad:?}"
    );
    for page in &pages {
        let (code, _, body) = http(&s.addr, "GET", page, &cookie, None);
        assert_eq!(code, 200, "{page}: {body}");
        let found = web_html::check(&body);
        assert!(
            found.errors.is_empty(),
            "{page} is not valid HTML: {:?}",
            found.errors
        );
        for u in &found.urls {
            assert!(
                !u.contains("//") && !u.contains(':') || u.starts_with('#'),
                "{page} names {u:?}: only paths on this server are allowed"
            );
        }
        assert!(
            !body.contains("url(http") && !body.contains("@import"),
            "{page}"
        );
    }
    // The stylesheet and script are served by the binary, and are small.
    let (code, _, js) = http(&s.addr, "GET", "/assets/app.js", "", None);
    assert_eq!(code, 200);
    assert!(js.len() < 6 * 1024, "{} bytes of JavaScript", js.len());
    // A form without its CSRF token is refused and writes nothing.
    let before = l.snapshot();
    let form = "action=1.1&review=RAG%20May%2020&status=Completed";
    let (code, _, body) = http(
        &s.addr,
        "POST",
        &format!("/plans/{p}/record/status"),
        &cookie,
        Some(form),
    );
    assert_eq!(code, 403, "{body}");
    l.assert_unchanged(&before);
}

#[test]
fn a_verification_runs_in_the_background_and_its_page_reloads_until_the_verdict() {
    let l = york();
    let viewer = token(&l, "reader", "viewer");
    let s = Server::start(&l, &[]);
    let p = plan_name(&l);
    let cookie = sign_in_http(&s.addr, &viewer);
    let entries = l.entries().len();
    let (code, _, body) = http(
        &s.addr,
        "GET",
        &format!("/plans/{p}/verify?run=1"),
        &cookie,
        None,
    );
    assert_eq!(code, 200, "{body}");
    let until = Instant::now() + Duration::from_secs(5);
    let mut page = body;
    // Without JavaScript the page reloads itself (from the page without `run`, so as not to
    // start another) until the verdict shows.
    while !page.contains("Verified:") {
        let refresh = format!("<meta http-equiv=\"refresh\" content=\"1; url=/plans/{p}/verify\">");
        assert!(page.contains(&refresh), "{page}");
        assert!(
            page.contains(&format!("of {entries} entries checked")),
            "{page}"
        );
        assert!(Instant::now() < until, "no verdict in 5 s");
        std::thread::sleep(Duration::from_millis(100));
        page = http(&s.addr, "GET", &format!("/plans/{p}/verify"), &cookie, None).2;
    }
    assert!(
        page.contains(&format!("Verified: {entries} entries")),
        "{page}"
    );
    assert!(
        !page.contains("http-equiv"),
        "a finished verification stops the reloads"
    );
    // The script's view of it: finished, every entry checked.
    let (code, _, json) = http(
        &s.addr,
        "GET",
        &format!("/plans/{p}/verify/progress"),
        &cookie,
        None,
    );
    assert_eq!(code, 200);
    let progress: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(progress["running"], false);
    assert_eq!(progress["checked"], entries);
    assert_eq!(progress["total"], entries);
}

#[test]
fn the_plan_picker_lists_only_the_plans_a_token_reaches() {
    let l = york();
    let root = l.dir().parent().unwrap().to_path_buf();
    let file = std::fs::canonicalize(YORK).unwrap();
    l.on(
        &root.join("other"),
        &["import", file.to_str().unwrap(), "--by", "me"],
    )
    .ok();
    let add = |name: &str, plan: &[&str]| {
        let r = root.to_str().unwrap();
        let args = [
            &["token", "add", name, "--role", "viewer", "--root", r][..],
            plan,
        ]
        .concat();
        l.raw(&args).ok().stdout.trim().to_string()
    };
    let everywhere = add("board", &[]);
    let only_other = add("other-reader", &["--plan", "other"]);
    let s = Server::with_args(&["--root".as_ref(), root.as_os_str()]);
    let cookie = sign_in_http(&s.addr, &everywhere);
    let (code, _, body) = http(&s.addr, "GET", "/", &cookie, None);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains("href=\"/plans/ledger\"") && body.contains("href=\"/plans/other\""),
        "{body}"
    );
    // A token for one plan goes straight to it, and is refused the other.
    let cookie = sign_in_http(&s.addr, &only_other);
    let (code, head, _) = http(&s.addr, "GET", "/", &cookie, None);
    assert_eq!(code, 303);
    assert!(head.contains("location: /plans/other"), "{head}");
    let (code, _, body) = http(&s.addr, "GET", "/plans/ledger/matrix", &cookie, None);
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains("for plan") && body.contains("other"),
        "{body}"
    );
}

// ---- the browser ----

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver on a free port, once it answers.
fn chromedriver(bin: &Path) -> (Proc, String) {
    let port = free_port();
    let child = Command::new(bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let addr = format!("127.0.0.1:{port}");
    let until = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < until, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Proc(child), format!("http://{addr}"))
}

async fn browser(driver: &str, chromium: &Path, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    fantoccini::ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("a Chromium session")
}

async fn sign_in(c: &Client, base: &str, token: &str) {
    c.goto(&format!("{base}/signin")).await.unwrap();
    type_in(c, "token", token).await;
    press(c, "main form button").await;
    wait_for(
        c,
        "signed in",
        "document.querySelector('form.signout') !== null",
    )
    .await;
}

/// Types `text` into the element with id `id`.
async fn type_in(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks the element `css` names.
async fn press(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits up to 5 s for `script` (an expression) to be true.
async fn wait_for(c: &Client, what: &str, script: &str) {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let v = c.execute(&format!("return !!({script});"), vec![]).await;
        if matches!(v, Ok(Value::Bool(true))) {
            return;
        }
        if Instant::now() > until {
            let page = c
                .execute(
                    "return location.href + '\\n' + document.body.innerText;",
                    vec![],
                )
                .await;
            panic!("waited 5 s for {what}; the page: {page:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn shoot(c: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn choose(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

#[test]
fn the_dashboard_in_headless_chromium() {
    let (Some(chromium), Some(driver)) = (which("chromium"), which("chromedriver")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs chromium and chromedriver (apt-get install chromium chromium-driver)"
        );
        eprintln!("note: chromium or chromedriver not installed; the browser test is skipped");
        return;
    };
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let viewer = token(&l, "reader", "viewer");
    let signer = token(&l, "chair", "signer");
    let key = l.path("chair.key");
    let key = key.to_str().unwrap().to_string();
    l.raw(&["key", "new", "chair", "--out", &key]).ok();
    let public = format!("{key}.pub");
    l.write(&[
        "key", "register", "Jo Chair", "--public", &public, "--role", "Chair",
    ])
    .ok();
    let s = Server::start(&l, &[]);
    let base = format!("http://{}", s.addr);
    let p = plan_name(&l);
    let (_driver, driver_url) = chromedriver(&driver);
    let profiles = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (a, b) = rt.block_on(async {
        let a = browser(&driver_url, &chromium, &profiles.path().join("a")).await;
        let b = browser(&driver_url, &chromium, &profiles.path().join("b")).await;
        (a, b)
    });
    let tokens = [officer.as_str(), viewer.as_str(), signer.as_str()];
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            scenario(&a, &b, &l, &base, &p, tokens).await;
            sign_off(&b, &l, &base, &p, &signer, &key).await;
        })
    }));
    // The browsers are closed whatever happened, so none outlives the test.
    rt.block_on(async {
        let _ = a.close().await;
        let _ = b.close().await;
    });
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn scenario(
    a: &Client,
    b: &Client,
    l: &Ledger,
    base: &str,
    p: &str,
    [officer, viewer, _]: [&str; 3],
) {
    // Sign in: straight to the one plan served.
    sign_in(a, base, officer).await;
    assert!(a
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with(&format!("/plans/{p}")));
    shoot(a, "plan-1280").await;

    // Step the timeline to RAG November 20; every cell is the CLI's.
    a.goto(&format!("{base}/plans/{p}/matrix")).await.unwrap();
    a.find(Locator::XPath(&format!(
        "//nav[@aria-label='Review timeline']//ol//a[starts-with(normalize-space(.), '{NOVEMBER}')]"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for(
        a,
        "the November matrix",
        "location.search.includes('as_of=')",
    )
    .await;
    assert!(text_of(a, "a[aria-current='step']")
        .await
        .starts_with(NOVEMBER));
    let shown = a
        .execute(
            "return [...document.querySelectorAll('#matrix tbody tr')].map(tr => ({
                action: tr.dataset.action,
                cells: [...tr.querySelectorAll('td')].map(td => td.dataset.status === undefined ? null :
                    {status: td.dataset.status, rag: td.dataset.rag || null, text: td.innerText})}))",
            vec![],
        )
        .await
        .unwrap();
    let cli = l
        .read(&["matrix", "--as-of", NOVEMBER, "--format", "json"])
        .ok()
        .json();
    let rows = cli["rows"].as_array().unwrap();
    let shown = shown.as_array().unwrap();
    assert_eq!(shown.len(), rows.len());
    assert_eq!(
        cli["reviews"].as_array().unwrap().last().unwrap()["label"],
        NOVEMBER
    );
    let mut cells = 0;
    for (row, page) in rows.iter().zip(shown) {
        assert_eq!(row["action"], page["action"]);
        let want = row["cells"].as_array().unwrap();
        let got = page["cells"].as_array().unwrap();
        assert_eq!(want.len(), got.len(), "{row}");
        for (w, g) in want.iter().zip(got) {
            if w.is_null() {
                assert!(g.is_null(), "{row} {g}");
                continue;
            }
            cells += 1;
            assert_eq!(w["status"], g["status"], "{row}");
            assert_eq!(w["rag"], g["rag"], "{row}");
            let text = g["text"].as_str().unwrap();
            assert!(text.contains(w["status"].as_str().unwrap()), "{text}");
            assert!(
                !text.starts_with(w["status"].as_str().unwrap()),
                "a shape comes first: {text}"
            );
        }
    }
    assert!(cells > 10, "{cells} cells compared");
    shoot(a, "matrix-1280").await;

    // Record a status in one browser; the other, on the action's page, shows it without a reload.
    sign_in(b, base, viewer).await;
    b.goto(&format!("{base}/plans/{p}/actions/1.1"))
        .await
        .unwrap();
    b.execute("window.notReloaded = true;", vec![])
        .await
        .unwrap();
    a.goto(&format!("{base}/plans/{p}/record")).await.unwrap();
    choose(a, "#status-action", "1.1").await;
    choose(a, "#status-review", NOVEMBER).await;
    choose(a, "#status-status", "Embedded").await;
    type_in(a, "status-note", "seen live in the other browser").await;
    press(a, "#status-form button").await;
    wait_for(
        a,
        "the entry's number",
        "document.querySelector('p.done') !== null",
    )
    .await;
    wait_for(
        b,
        "the live update",
        "document.getElementById('main').innerText.includes('seen live in the other browser')",
    )
    .await;
    assert_eq!(
        b.execute("return window.notReloaded === true;", vec![])
            .await
            .unwrap(),
        Value::Bool(true)
    );
    let notice = text_of(b, "#live-notice").await;
    assert!(
        notice.contains("officer1") && notice.contains("1.1"),
        "{notice}"
    );
    let history = l.read(&["history", "1.1", "--format", "json"]).ok().stdout;
    assert!(history.contains("seen live in the other browser"));

    // Evidence: uploaded through the form, downloaded byte-identical.
    let file = l.tmp().join("minutes.bin");
    let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&file, &bytes).unwrap();
    a.goto(&format!("{base}/plans/{p}/record")).await.unwrap();
    choose(a, "#evidence-action", "1.1").await;
    a.find(Locator::Id("evidence-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    press(a, "#evidence-form button").await;
    wait_for(a, "the upload", "location.search.includes('done=')").await;
    a.goto(&format!("{base}/plans/{p}/actions/1.1"))
        .await
        .unwrap();
    let got = a
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const link = document.querySelector('ul.evidence a[download]');
             fetch(link.href).then(r => r.arrayBuffer()).then(b => done([...new Uint8Array(b)]));",
            vec![],
        )
        .await
        .unwrap();
    let got: Vec<u8> = serde_json::from_value(got).unwrap();
    assert_eq!(got, bytes, "the download is the upload");
    shoot(a, "action-1280").await;

    // A bad form: the rule in plain words, what was typed kept, nothing written.
    let before = l.snapshot();
    a.goto(&format!("{base}/plans/{p}/record")).await.unwrap();
    type_in(a, "correction-target", "1").await;
    type_in(a, "correction-reason", "typed by mistake").await;
    press(a, "#correction-form button").await;
    wait_for(
        a,
        "the refusal",
        "document.getElementById('correction-error') !== null",
    )
    .await;
    let message = text_of(a, "#correction-error").await;
    assert!(message.contains('1'), "{message}");
    let kept = a
        .find(Locator::Id("correction-reason"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("typed by mistake"));
    l.assert_unchanged(&before);
    shoot(a, "record-refused-1280").await;

    // A viewer's token is refused an officer's action.
    b.goto(&format!("{base}/plans/{p}/record")).await.unwrap();
    choose(b, "#withdrawal-action", "1.2").await;
    type_in(b, "withdrawal-reason", "no longer needed").await;
    press(b, "#withdrawal-form button").await;
    wait_for(
        b,
        "the refusal",
        "document.getElementById('withdrawal-error') !== null",
    )
    .await;
    let message = text_of(b, "#withdrawal-error").await;
    assert!(
        message.contains("viewer") && message.contains("officer"),
        "{message}"
    );
    l.assert_unchanged(&before);

    // Keyboard: skip link first, then the plan's pages, followed with Enter.
    a.goto(&format!("{base}/plans/{p}")).await.unwrap();
    let tab = String::from(char::from(fantoccini::key::Key::Tab));
    let enter = String::from(char::from(fantoccini::key::Key::Enter));
    let body = a.find(Locator::Css("body")).await.unwrap();
    body.send_keys(&tab).await.unwrap();
    assert_eq!(
        a.active_element().await.unwrap().text().await.unwrap(),
        "Skip to content"
    );
    let mut reached = false;
    for _ in 0..12 {
        a.active_element()
            .await
            .unwrap()
            .send_keys(&tab)
            .await
            .unwrap();
        if a.active_element().await.unwrap().text().await.unwrap() == "RAG matrix" {
            reached = true;
            break;
        }
    }
    assert!(reached, "the RAG matrix link is reachable by Tab");
    a.active_element()
        .await
        .unwrap()
        .send_keys(&enter)
        .await
        .unwrap();
    wait_for(
        a,
        "the matrix by keyboard",
        "location.pathname.endsWith('/matrix')",
    )
    .await;

    // Screenshots at a phone's width.
    a.set_window_size(390, 844).await.unwrap();
    for (page, name) in [
        ("", "plan"),
        ("/matrix", "matrix"),
        ("/actions/1.1", "action"),
        ("/record", "record"),
    ] {
        a.goto(&format!("{base}/plans/{p}{page}")).await.unwrap();
        shoot(a, &format!("{name}-390")).await;
    }
    a.set_window_size(1280, 900).await.unwrap();
    // A verification runs in the background; the page follows it to the verdict.
    a.goto(&format!("{base}/plans/{p}/verify?run=1"))
        .await
        .unwrap();
    wait_for(
        a,
        "the verdict",
        "document.querySelector('.verdict-ok') !== null && !location.search.includes('run')",
    )
    .await;
    shoot(a, "verify-1280").await;
    a.goto(&format!("{base}/plans/{p}/record")).await.unwrap();
    shoot(a, "record-1280").await;
}

/// Signs out, signs in as the signer, reads what will be signed and the command, runs it as
/// the signer would on their machine, and sees the sign-off on the action's page.
async fn sign_off(b: &Client, l: &Ledger, base: &str, p: &str, signer: &str, key: &str) {
    b.goto(&format!("{base}/plans/{p}")).await.unwrap();
    press(b, "form.signout button").await;
    wait_for(b, "signed out", "location.pathname === '/signin'").await;
    b.goto(&format!("{base}/plans/{p}/record")).await.unwrap();
    assert_eq!(
        b.current_url().await.unwrap().path(),
        "/signin",
        "the session has ended"
    );
    sign_in(b, base, signer).await;
    b.goto(&format!("{base}/plans/{p}/sign-off")).await.unwrap();
    choose(b, "#so-action", "1.3B").await;
    choose(b, "#so-review", "RAG May 21").await;
    press(b, "form.pick button").await;
    wait_for(
        b,
        "the draft",
        "document.querySelector('pre.draft') !== null",
    )
    .await;
    let draft: Value = serde_json::from_str(&text_of(b, "pre.draft").await).unwrap();
    assert_eq!(draft["action"], "1.3B");
    assert_eq!(draft["review"], "RAG May 21");
    let command = text_of(b, "pre.commands").await;
    assert!(
        command.starts_with("readiness sign-off 1.3B --review \"RAG May 21\""),
        "{command}"
    );
    let url = command
        .split("--remote ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(url, format!("{base}/api/v1/plans/{p}"));
    shoot(b, "sign-off-1280").await;
    let run = l.raw(&[
        "sign-off",
        "1.3B",
        "--review",
        "RAG May 21",
        "--key",
        key,
        "--remote",
        url,
        "--token",
        signer,
    ]);
    run.ok();
    b.goto(&format!("{base}/plans/{p}/actions/1.3B"))
        .await
        .unwrap();
    let signed = text_of(b, "ul.signoffs").await;
    assert!(
        signed.contains("RAG May 21") && signed.contains("chair"),
        "{signed}"
    );
}
