//! Guards the README's promise that every `make` command works first on a new machine: in a copy of
//! the working tree without stamps, `make -n TARGET` must install each tool (the wasm32 target,
//! wasm-bindgen-cli, the npm packages, Chromium) before the first command that uses it.
//!
//! Issue 11: `make test` once ran `cargo clippy --target wasm32-unknown-unknown` before `setup`,
//! so CI passed only on machines where the target had been installed by hand.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A tool that `make setup` installs: how to recognise the command that installs it and the
/// commands that need it.
struct Tool {
    name: &'static str,
    installs: fn(&str) -> bool,
    uses: fn(&str) -> bool,
}

fn words(cmd: &str) -> impl Iterator<Item = &str> {
    cmd.split(|c: char| c.is_whitespace() || c == '=' || c == ';')
}

const TOOLS: [Tool; 4] = [
    Tool {
        name: "the wasm32-unknown-unknown Rust target",
        installs: |c| c.contains("rustup target add wasm32-unknown-unknown"),
        uses: |c| c.contains("wasm32"),
    },
    Tool {
        name: "wasm-bindgen-cli",
        installs: |c| c.contains("cargo install wasm-bindgen-cli"),
        uses: |c| {
            words(c).any(|w| {
                let w = w.rsplit('/').next().unwrap_or(w);
                w == "wasm-bindgen" || w == "wasm-bindgen-test-runner"
            })
        },
    },
    Tool {
        name: "node_modules (npm ci)",
        installs: |c| c.contains("npm ci") || c.contains("npm install"),
        // Every node script of the project imports npm packages (playwright-core, binaryen…).
        uses: |c| {
            c.contains("node_modules")
                || c.contains("npx ")
                || c.trim_start().starts_with("node ")
                || c.contains("npm pack")
        },
    },
    Tool {
        name: "Chromium",
        installs: |c| c.contains("apt-get") && c.contains("chromium"),
        uses: |c| {
            c.contains("chromium")
                || c.contains("chromedriver")
                || (c.contains("node --test") && c.contains("tests/e2e"))
                || c.contains("scripts/bench")
                || c.contains("scripts/screenshot")
                || c.contains("wasm-bindgen-test-runner")
        },
    },
];

/// The commands of a `make -n` plan, one per logical line (backslash continuations joined).
fn commands(plan: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in plan.lines() {
        if cur.is_empty() && (line.starts_with("make:") || line.starts_with("make[")) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                cur.push_str(head);
                cur.push(' ');
            }
            None => {
                cur.push_str(line);
                if !cur.trim().is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    out
}

/// The first command of `plan` that uses a tool before the command that installs it (or with
/// no install at all), as a message naming both.
fn first_use_before_install(plan: &str) -> Option<String> {
    let cmds = commands(plan);
    for tool in &TOOLS {
        let install = cmds.iter().position(|c| (tool.installs)(c));
        let used = cmds
            .iter()
            .enumerate()
            .find(|(i, c)| Some(*i) != install && (tool.uses)(c));
        if let Some((at, cmd)) = used {
            if install.is_none_or(|i| i > at) {
                let when = match install {
                    Some(i) => format!("it is installed only by command {} ", i + 1),
                    None => "nothing in the plan installs it ".into(),
                };
                return Some(format!(
                    "command {} uses {} but {}— `{}`",
                    at + 1,
                    tool.name,
                    when,
                    cmd.trim()
                ));
            }
        }
    }
    None
}

fn scratch_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir =
        std::env::temp_dir().join(format!("ovr-lab-plan-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn make_plan(dir: &Path, target: &str) -> String {
    let out = Command::new("make")
        .args(["-n", target])
        .current_dir(dir)
        .output()
        .expect("make runs");
    assert!(
        out.status.success(),
        "make -n {target} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The tracked files of the working tree as they are now (uncommitted edits included), copied
/// to a fresh folder: a clone with no stamps, no node_modules and no build output.
fn fresh_copy() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .expect("git runs");
    assert!(listed.status.success(), "git ls-files failed");
    let dir = scratch_dir("tree");
    for name in listed.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).unwrap();
        let (from, to) = (root.join(name), dir.join(name));
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    dir
}

/// Every command a newcomer may type first.
const FIRST_COMMANDS: [&str; 9] = [
    "test",
    "serve",
    "dist",
    "serve-dev",
    "bench",
    "fuzz",
    "figures",
    "lint",
    "clippy",
];

#[test]
fn every_first_command_installs_its_tools_before_using_them() {
    let dir = fresh_copy();
    let mut problems = Vec::new();
    for target in FIRST_COMMANDS {
        if let Some(p) = first_use_before_install(&make_plan(&dir, target)) {
            problems.push(format!("make {target}: {p}"));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The guard itself, on small made-up Makefiles: the bug of issue 11 is caught and named.
#[test]
fn the_guard_names_a_tool_used_before_setup() {
    let dir = scratch_dir("unit");
    let makefile = |test_line: &str| {
        format!(
            "{test_line}\n\
             setup: .stamp/rust-target\n\
             .stamp/rust-target:\n\
             \trustup target add wasm32-unknown-unknown\n\
             \tmkdir -p .stamp && touch $@\n\
             clippy:\n\
             \tcargo clippy --lib --target wasm32-unknown-unknown -- -D warnings\n"
        )
    };
    std::fs::write(dir.join("Makefile"), makefile("test: clippy setup")).unwrap();
    let message =
        first_use_before_install(&make_plan(&dir, "test")).expect("clippy before setup is caught");
    assert!(
        message.contains("wasm32-unknown-unknown Rust target")
            && message.contains("cargo clippy --lib --target wasm32-unknown-unknown")
            && message.contains("command 1 uses"),
        "{message}"
    );
    std::fs::write(dir.join("Makefile"), makefile("test: setup clippy")).unwrap();
    assert_eq!(first_use_before_install(&make_plan(&dir, "test")), None);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn plans_are_read_as_logical_commands() {
    let plan = "make: Nothing to be done\nif a; then \\\n  cargo install wasm-bindgen-cli; fi\nwasm-bindgen --target web x.wasm\n";
    let cmds = commands(plan);
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    assert_eq!(first_use_before_install(plan), None);
    let reversed = "wasm-bindgen --target web x.wasm\ncargo install wasm-bindgen-cli\n";
    assert!(first_use_before_install(reversed)
        .unwrap()
        .contains("uses wasm-bindgen-cli"));
    // Chromium used by the browser tests with no install step at all.
    let missing = "node --test tests/e2e/\n";
    let m = first_use_before_install(missing).unwrap();
    assert!(m.contains("node_modules") || m.contains("Chromium"), "{m}");
}
