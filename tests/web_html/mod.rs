//! An HTML checker for the dashboard's pages: the parser's own errors (bad nesting, stray end
//! tags, duplicate attributes) and the document rules a parser accepts silently but a
//! validator and a screen reader do not: a language and a title, ids used once, every id a
//! page points at (labels, ARIA, in-page links) present, every form control labelled, every
//! image described.

use std::collections::{HashMap, HashSet};

use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};

/// What the checker found in one page.
#[derive(Debug, Default)]
pub struct Findings {
    /// Parse errors and broken document rules, each in words.
    pub errors: Vec<String>,
    /// Every URL the page's attributes name.
    pub urls: Vec<String>,
}

/// One element, as the rules need it.
struct El {
    name: String,
    attrs: HashMap<String, String>,
    /// Inside a `<label>`.
    in_label: bool,
    text: String,
}

const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "srcset",
    "formaction",
    "poster",
    "data",
];

/// Parses `page` and checks it.
pub fn check(page: &str) -> Findings {
    let opts = html5ever::ParseOpts {
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let dom: RcDom = html5ever::parse_document(RcDom::default(), opts).one(page);
    let mut found = Findings {
        errors: dom.errors.borrow().iter().map(|e| e.to_string()).collect(),
        urls: Vec::new(),
    };
    let mut els = Vec::new();
    collect(&dom.document, false, &mut els);
    for el in &els {
        for name in URL_ATTRS {
            if let Some(v) = el.attrs.get(*name) {
                found.urls.push(v.clone());
            }
        }
    }
    found.errors.extend(rules(&els));
    found
}

fn collect(h: &Handle, in_label: bool, out: &mut Vec<El>) {
    let mut inside = in_label;
    if let NodeData::Element { name, attrs, .. } = &h.data {
        // SVG and MathML have their own <title>: keep the HTML name space apart.
        let tag = if name.ns == html5ever::ns!(html) {
            name.local.to_string()
        } else {
            format!("foreign:{}", name.local)
        };
        let attrs = attrs
            .borrow()
            .iter()
            .map(|a| (a.name.local.to_string(), a.value.to_string()))
            .collect();
        out.push(El {
            text: if tag == "title" {
                text_of(h)
            } else {
                String::new()
            },
            name: tag.clone(),
            attrs,
            in_label,
        });
        inside |= tag == "label";
    }
    for c in h.children.borrow().iter() {
        collect(c, inside, out);
    }
}

fn text_of(h: &Handle) -> String {
    let mut s = String::new();
    if let NodeData::Text { contents } = &h.data {
        s.push_str(&contents.borrow());
    }
    for c in h.children.borrow().iter() {
        s.push_str(&text_of(c));
    }
    s
}

/// The document rules, over the page's elements in document order.
fn rules(els: &[El]) -> Vec<String> {
    let mut errors = Vec::new();
    let attr = |el: &El, a: &str| el.attrs.get(a).map(|v| v.trim().to_string());
    match els.iter().find(|e| e.name == "html") {
        Some(html) if attr(html, "lang").is_some_and(|l| !l.is_empty()) => {}
        _ => errors.push("<html> has no lang".to_string()),
    }
    let titles: Vec<&El> = els.iter().filter(|e| e.name == "title").collect();
    if titles.len() != 1 || titles[0].text.trim().is_empty() {
        errors.push(format!(
            "a page needs one non-empty <title>; found {}",
            titles.len()
        ));
    }
    let mut ids = HashSet::new();
    for el in els {
        if let Some(id) = attr(el, "id") {
            if id.is_empty() || id.contains(char::is_whitespace) {
                errors.push(format!("<{}> has an empty or spaced id {id:?}", el.name));
            } else if !ids.insert(id.clone()) {
                errors.push(format!("id {id:?} is used more than once"));
            }
        }
    }
    let labelled: HashSet<String> = els
        .iter()
        .filter(|e| e.name == "label")
        .filter_map(|e| attr(e, "for"))
        .collect();
    for el in els {
        for a in [
            "for",
            "aria-labelledby",
            "aria-describedby",
            "aria-controls",
            "list",
        ] {
            for target in attr(el, a).iter().flat_map(|v| v.split_whitespace()) {
                if !ids.contains(target) {
                    errors.push(format!("<{} {a}={target:?}> points at no id", el.name));
                }
            }
        }
        if el.name == "a" {
            if let Some(frag) = attr(el, "href").and_then(|h| h.strip_prefix('#').map(String::from))
            {
                if !frag.is_empty() && !ids.contains(&frag) {
                    errors.push(format!("<a href=\"#{frag}\"> points at no id"));
                }
            }
        }
        if el.name == "img" && !el.attrs.contains_key("alt") {
            errors.push(format!(
                "<img src={:?}> has no alt",
                attr(el, "src").unwrap_or_default()
            ));
        }
        let control = match el.name.as_str() {
            "select" | "textarea" => true,
            "input" => !matches!(
                attr(el, "type").as_deref(),
                Some("hidden" | "submit" | "button" | "reset" | "image")
            ),
            _ => false,
        };
        let named = el.in_label
            || attr(el, "id").is_some_and(|id| labelled.contains(&id))
            || attr(el, "aria-label").is_some_and(|v| !v.is_empty())
            || el.attrs.contains_key("aria-labelledby")
            || attr(el, "title").is_some_and(|v| !v.is_empty());
        if control && !named {
            errors.push(format!(
                "<{} name={:?}> has no label",
                el.name,
                attr(el, "name").unwrap_or_default()
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::check;

    const GOOD: &str = "<!DOCTYPE html><html lang=en><head><title>t</title></head><body>\
        <a href='#m'>skip</a><main id=m><label for=s>Status</label><input id=s name=status>\
        <label>Note <textarea name=note></textarea></label>\
        <input type=hidden name=csrf><img src='/x.png' alt=''>\
        <svg role=img><title>trend</title></svg></main></body></html>";

    #[test]
    fn a_good_page_passes() {
        let f = check(GOOD);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.urls, ["#m", "/x.png"]);
    }

    #[test]
    fn each_rule_reports_what_breaks_it() {
        let cases = [
            ("<html lang=en>", "<html>", "<html> has no lang"),
            ("<title>t</title>", "<title></title>", "non-empty <title>"),
            ("<main id=m>", "<main id=s>", "used more than once"),
            ("<label for=s>", "<label for=z>", "points at no id"),
            ("href='#m'", "href='#nowhere'", "points at no id"),
            (
                "<input id=s name=status>",
                "<input name=status>",
                "has no label",
            ),
            ("alt=''", "", "has no alt"),
            ("</main>", "</div></main>", "Unexpected"),
        ];
        for (from, to, expect) in cases {
            let page = GOOD.replacen(from, to, 1);
            assert_ne!(page, GOOD, "{from}");
            let f = check(&page);
            assert!(
                f.errors.iter().any(|e| e.contains(expect)),
                "{from} -> {to}: expected {expect:?} in {:?}",
                f.errors
            );
        }
    }
}
