//! The spreadsheet importers: `import::read_table` on the bytes as an .xlsx workbook and as a
//! .csv file, with the York scale plus the colour words (so fill-only cells are read too),
//! then `import::wsoa_events` on what it reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readiness_ledger::import::{read_table, wsoa_events};
use readiness_ledger::plan::Plan;
use readiness_ledger::scale::StatusScale;

fuzz_target!(|data: &[u8]| {
    let scale = StatusScale::york();
    let mut words = scale.names();
    words.extend(["Red", "Amber", "Green", "Blue"]);
    let sha = "0".repeat(64);
    for name in ["fuzz.xlsx", "fuzz.csv"] {
        if let Ok(table) = read_table(name, data, &words) {
            let _ = wsoa_events(&Plan::default(), &table, name, &sha, None);
        }
    }
});
