//! The root README's command blocks against the real CLI and tree, so they cannot rot:
//! the first command runs, the CLI synopsis names only subcommands and flags the CLI
//! accepts, and every path of the Layout block exists.

use std::path::Path;

const README: &str = include_str!("../../../README.md");

mod common;
use common::moveworks;

/// The `n`th fenced block of a README section (`## heading`), with its info string.
fn block(heading: &str, n: usize) -> (&'static str, &'static str) {
    let section = README.split(&format!("\n## {heading}\n")).nth(1).unwrap_or_else(|| panic!("no section {heading}"));
    let section = section.split("\n## ").next().unwrap();
    let fenced = section.split("```").nth(2 * n + 1).unwrap_or_else(|| panic!("{heading} has no block {n}"));
    let (info, body) = fenced.split_once('\n').unwrap();
    (info, body)
}

/// Words of a shell line, double quotes grouping (all the README's commands need).
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[test]
fn the_first_command_of_the_readme_answers_from_the_sandbox() {
    let (info, body) = block("Two commands", 0);
    assert_eq!(info, "sh");
    let words = shell_words(body.trim());
    // `cargo run -p moveworks-cli -- ARGS` runs the binary this test has built.
    let args = words
        .strip_prefix(&["cargo", "run", "-p", "moveworks-cli", "--"].map(String::from)[..])
        .unwrap_or_else(|| panic!("the README's first command is no longer `cargo run -p moveworks-cli -- …`: {body}"));
    let out = moveworks(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("John Doe") && text.contains("\n[1] "), "{text}");
}

#[test]
fn the_cli_synopsis_names_only_what_the_cli_accepts() {
    let (info, body) = block("CLI", 0);
    assert_eq!(info, "sh");
    let help = |path: &[&str]| {
        let out = moveworks(&[path, &["--help"]].concat());
        assert!(out.status.success(), "`moveworks {} --help` fails: {out:?}", path.join(" "));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let top = help(&[]);
    for line in body.lines() {
        let words = shell_words(line);
        assert_eq!(words[0], "moveworks", "{line}");
        // Before the first subcommand: global flags; then subcommand words (`a|b` = either);
        // then arguments (VALUES, "quoted" text) and the subcommand's flags.
        let (mut paths, mut flags) = (vec![Vec::<&str>::new()], Vec::new());
        let mut in_args = false;
        for word in &words[1..] {
            let word = word.trim_matches(|c| c == '[' || c == ']');
            if word.starts_with('-') {
                flags.extend(word.split('|').map(|f| (f, paths[0].is_empty())));
            } else if !in_args && word.chars().all(|c| c.is_ascii_lowercase() || c == '|' || c == '-') {
                let alternatives: Vec<&str> = word.split('|').collect();
                paths = paths.iter().flat_map(|p| alternatives.iter().map(move |a| [&p[..], &[*a]].concat())).collect();
            } else {
                in_args = true; // a value (ID, N, "text"): no subcommand word follows
            }
        }
        for path in &paths {
            let sub = help(path);
            for (flag, global) in &flags {
                let text = if *global { &top } else { &sub };
                assert!(text.contains(flag), "README's `{line}`: `moveworks {}` has no {flag}", path.join(" "));
            }
        }
    }
}

#[test]
fn every_path_of_the_layout_block_exists() {
    let (_, body) = block("Layout", 0);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut checked = 0;
    for line in body.lines() {
        // "path[, path]   description": the paths end at the first run of two spaces.
        let paths = line.split("  ").next().unwrap();
        for path in paths.split(", ") {
            assert!(root.join(path.trim()).exists(), "README's Layout names {path}, which does not exist");
            checked += 1;
        }
    }
    assert!(checked >= 10, "the Layout block lost its paths: {body}");
}
