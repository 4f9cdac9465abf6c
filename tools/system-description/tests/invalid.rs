//! The negative suite: every `tests/invalid/<error-name>.toml` must be
//! rejected. Its first line is `# expect: <text>`; the rendered report must
//! contain that text and point into the file (`<file>:<line>:<column>`). A
//! second line `# board: <name>` builds it for that board
//! (`common::test_board`), otherwise for no board in particular.
//! Adding a file adds a case.

mod common;

use std::path::Path;

use system_description::{Problems, SystemDescription};

#[test]
fn every_invalid_description_is_rejected_with_its_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    assert!(files.len() >= 20, "only {} invalid descriptions", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| {
                panic!("{}: the first line must be `# expect: <text>`", path.display())
            })
            .trim()
            .to_string();
        let name = format!("tests/invalid/{}", path.file_name().unwrap().to_str().unwrap());
        // An optional second line `# board: <name>` builds for that board.
        let board = text
            .lines()
            .nth(1)
            .and_then(|l| l.strip_prefix("# board: "))
            .map(|b| common::test_board(b.trim()));
        let report = match SystemDescription::parse_str_for(&name, &text, board.as_ref()) {
            Ok(_) => {
                failures.push(format!("{name}: accepted"));
                continue;
            }
            Err(r) => r,
        };
        let rendered = common::render(&report);
        if !rendered.contains(&expect) {
            failures.push(format!("{name}: the report lacks `{expect}`:\n{rendered}"));
            continue;
        }
        // The problem that carries the expected text points into the file.
        let problems =
            report.downcast_ref::<Problems>().expect("a description report is a Problems");
        let problem = problems
            .problems
            .iter()
            .find(|p| p.message.contains(&expect) || rendered.contains(&expect));
        let problem = problem.expect("some problem");
        let located = rendered
            .match_indices(&format!("[{name}:"))
            .any(|(i, _)| rendered[i + name.len() + 2..].starts_with(|c: char| c.is_ascii_digit()));
        if !located {
            failures
                .push(format!("{name}: the report does not name the file and line:\n{rendered}"));
            continue;
        }
        assert!(!problem.code.is_empty());
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_expected_line_is_the_one_pointed_at() {
    // unknown_key.toml: the misspelled key is on line 9 (line 1 is the expect comment).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid/unknown_key.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().position(|l| l.starts_with("priorty")).unwrap() + 1;
    let report = SystemDescription::parse_str("unknown_key.toml", &text).unwrap_err();
    let rendered = common::render(&report);
    assert!(rendered.contains(&format!("[unknown_key.toml:{line}:1]")), "{rendered}");
    assert!(rendered.contains("did you mean `priority`?"), "{rendered}");
}

#[test]
fn several_errors_are_reported_together() {
    let text = r#"
[system]
name = "bad"

[[component]]
name = "a"
program = "p"
priorty = 100

[[component]]
name = "b"
program = "p"
priority = 300
stack = "5000"

[[channel]]
name = "x"
kind = "protected-call"
caller = { component = "a", id = 0 }
callee = { component = "zz", id = 70 }
"#;
    let report = SystemDescription::parse_str("several.toml", text).unwrap_err();
    let problems = report.downcast_ref::<Problems>().unwrap();
    let codes: Vec<&str> = problems.problems.iter().map(|p| p.code).collect();
    for code in [
        "missing_key",
        "unknown_key",
        "priority_out_of_range",
        "size_not_page_multiple",
        "unknown_component",
        "channel_id_too_large",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let rendered = common::render(&report);
    assert!(rendered.contains("several.toml: 6 errors in the system description"), "{rendered}");
    for line in [5, 8, 13, 14, 20] {
        assert!(
            rendered.contains(&format!("[several.toml:{line}:")),
            "line {line} not pointed at:\n{rendered}"
        );
    }
}

#[test]
fn too_many_components() {
    let mut text = String::from("[system]\nname = \"big\"\n");
    for i in 0..=system_description::MAX_COMPONENTS {
        text += &format!("\n[[component]]\nname = \"c{i}\"\nprogram = \"p\"\npriority = 10\n");
    }
    let report = SystemDescription::parse_str("big.toml", &text).unwrap_err();
    let rendered = common::render(&report);
    assert!(
        rendered.contains("the system has 65 components; at most 64 are supported"),
        "{rendered}"
    );
    assert!(rendered.contains("[big.toml:"), "{rendered}");
}

#[test]
fn too_many_grants() {
    let mut ports = Vec::new();
    for i in 0..241 {
        ports.push(format!("{{ name = \"p{i}\", first = {i}, last = {i} }}"));
    }
    let text = format!(
        "[system]\nname = \"big\"\n\n[[component]]\nname = \"a\"\nprogram = \"p\"\npriority = 10\nio_ports = [\n{}\n]\n",
        ports.join(",\n")
    );
    let report = SystemDescription::parse_str("grants.toml", &text).unwrap_err();
    let rendered = common::render(&report);
    assert!(rendered.contains("needs more capability slots than its CNode has"), "{rendered}");
    assert!(rendered.contains("this needs slot 256"), "{rendered}");
    // 240 ranges fit exactly.
    let fits = text.replace(",\n{ name = \"p240\", first = 240, last = 240 }", "");
    SystemDescription::parse_str("grants.toml", &fits).unwrap();
}
