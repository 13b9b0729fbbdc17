//! The Debian package (issue 18 §3): `scripts/package` builds it (a release build, and cargo-deb
//! installed when missing), then it is unpacked with `dpkg-deb -x` and the unpacked program run;
//! its control data names the conffile and the maintainer scripts; `systemd-analyze verify`
//! checks the worker's unit where systemd-analyze exists.
//!
//! One test, because the build is the expensive part (minutes on two cores, see README "Tests").

use std::path::{Path, PathBuf};
use std::process::Command;

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(command: &mut Command) -> String {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_package_installs_the_program_its_manual_completions_unit_and_examples() {
    if !have("dpkg-deb") {
        dsrdesk::testing::missing_dependency("dpkg-deb", "apt-get install dpkg");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let printed = run(Command::new(root.join("scripts/package")).arg("--output").arg(out.path()));
    eprintln!("scripts/package took {:.0} s", started.elapsed().as_secs_f64());
    let deb = PathBuf::from(printed.lines().last().expect("the .deb's path").trim());
    assert!(deb.starts_with(out.path()) && deb.extension().is_some_and(|e| e == "deb"), "{deb:?}");

    // The control data: the conffile, the maintainer scripts, a dependency on passwd (useradd).
    let info = run(Command::new("dpkg-deb").arg("--info").arg(&deb));
    assert!(info.contains("Package: dsrdesk") && info.contains("passwd"), "{info}");
    let control = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb").arg("--control").arg(&deb).arg(control.path()));
    let conffiles = std::fs::read_to_string(control.path().join("conffiles")).unwrap();
    assert!(conffiles.lines().any(|l| l == "/etc/dsrdesk/config.toml"), "{conffiles}");
    let postinst = std::fs::read_to_string(control.path().join("postinst")).unwrap();
    assert!(postinst.contains("useradd --system") && postinst.contains("/var/lib/dsrdesk"), "{postinst}");

    let unpacked = tempfile::tempdir().unwrap();
    let dir = unpacked.path();
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(dir));
    for file in [
        "usr/bin/dsrdesk",
        "usr/share/man/man1/dsrdesk.1.gz",
        "usr/share/bash-completion/completions/dsrdesk",
        "usr/share/zsh/vendor-completions/_dsrdesk",
        "usr/share/fish/vendor_completions.d/dsrdesk.fish",
        "etc/dsrdesk/config.toml",
        "usr/share/dsrdesk/roles.sql",
        "usr/lib/systemd/system/dsrdesk-worker.service",
        "usr/share/doc/dsrdesk/examples/sshd_config-dsrdesk.conf",
    ] {
        assert!(dir.join(file).is_file(), "{file} is not in the package");
    }
    // Not enabled by the package: nothing under /etc/ssh, no unit link in /etc/systemd.
    assert!(!dir.join("etc/ssh").exists() && !dir.join("etc/systemd").exists());

    // The unpacked program runs.
    let binary = dir.join("usr/bin/dsrdesk");
    let version = run(Command::new(&binary).arg("--version"));
    assert_eq!(version.trim(), format!("dsrdesk {}", env!("CARGO_PKG_VERSION")));
    let bash = run(Command::new(&binary).args(["completions", "bash"]));
    assert!(bash.contains("complete -F _dsrdesk") && bash.contains("worker"), "{bash}");
    let packaged =
        std::fs::read_to_string(dir.join("usr/share/bash-completion/completions/dsrdesk")).unwrap();
    assert_eq!(packaged, bash, "the packaged completions are the program's own");
    // The example configuration loads with the packaged program (unknown keys would be errors).
    run(Command::new(&binary)
        .args(["deadline", "--received", "2026-11-02", "--jurisdiction", "SE", "--config"])
        .arg(dir.join("etc/dsrdesk/config.toml"))
        .env("DSRDESK_DATA_DIR", dir.join("data")));

    // The manual page renders: with man where it is installed, else its roff header is checked.
    let page = dir.join("usr/share/man/man1/dsrdesk.1.gz");
    if have("man") {
        let text = run(Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", ""));
        assert!(text.contains("NAME") && text.contains("dsrdesk") && text.contains("worker"), "{text}");
    } else {
        eprintln!("man is not installed: checking the page's roff header instead of rendering it");
        let roff = run(Command::new("sh").arg("-c").arg(format!("gzip -dc '{}'", page.display())));
        assert!(roff.contains(".TH dsrdesk 1") && roff.contains(".SH NAME"), "{roff}");
    }

    // The sshd snippet forces the packaged path.
    let sshd =
        std::fs::read_to_string(dir.join("usr/share/doc/dsrdesk/examples/sshd_config-dsrdesk.conf")).unwrap();
    assert!(
        sshd.contains("ForceCommand /usr/bin/dsrdesk\n")
            && sshd.contains("ForceCommand /usr/bin/dsrdesk --read-only")
    );

    // The unit: hardened, and valid for systemd. `verify` wants ExecStart's program to exist, so
    // it checks a copy pointing at the unpacked binary (the unit's name kept).
    let unit = std::fs::read_to_string(dir.join("usr/lib/systemd/system/dsrdesk-worker.service")).unwrap();
    for line in [
        "ExecStart=/usr/bin/dsrdesk worker",
        "User=dsrdesk",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ReadWritePaths=/var/lib/dsrdesk",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line}:\n{unit}");
    }
    if have("systemd-analyze") {
        let check = tempfile::tempdir().unwrap();
        let copy = check.path().join("dsrdesk-worker.service");
        std::fs::write(&copy, unit.replace("/usr/bin/dsrdesk", &binary.display().to_string())).unwrap();
        // Documentation=man:dsrdesk(1) is checked too: man finds the packaged page.
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&copy)
            .env("MANPATH", dir.join("usr/share/man"))
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        // Only what concerns our unit: verify also reports on units of the machine it runs on.
        let ours: Vec<&str> = said.lines().filter(|l| l.contains("dsrdesk-worker")).collect();
        assert!(out.status.success() && ours.is_empty(), "systemd-analyze verify:\n{said}");
    } else {
        eprintln!("systemd-analyze is not installed: the unit was checked by its lines only");
    }
}
