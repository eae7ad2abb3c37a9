//! The WSoA table importer: `import::read_table` (either layout) with the York status scale
//! (as `readiness import` calls it), then `import::wsoa_events` on what it parses, both into
//! an empty plan (creating it) and into one that exists.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readiness_ledger::event::PlanCreated;
use readiness_ledger::import::{read_table, wsoa_events};
use readiness_ledger::plan::Plan;
use readiness_ledger::scale::StatusScale;

fuzz_target!(|data: &[u8]| {
    let scale = StatusScale::york();
    let names = scale.names();
    let Ok(table) = read_table("fuzz.txt", data, &names) else {
        return;
    };
    let plan = Plan::default();
    let created = PlanCreated {
        title: "fuzz".into(),
        origin: "fuzz/origin".into(),
        scale: StatusScale::york(),
    };
    let sha = "0".repeat(64);
    let _ = wsoa_events(&plan, &table, "fuzz.txt", &sha, Some(created));
    let _ = wsoa_events(&plan, &table, "fuzz.txt", &sha, None);
});
