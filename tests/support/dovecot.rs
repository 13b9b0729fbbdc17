//! A private dovecot IMAP server on loopback for the inbox tests: its own configuration under
//! $TMPDIR, one passwd-file user, a certificate signed by a test CA made with openssl, and Maildir
//! storage the test fills by writing files (the file's mtime is the INTERNALDATE dovecot reports).
//! Debian's dovecot-imapd is installed by scripts/ensure-dovecot (scripts/test runs it); a missing
//! one fails the test through `testing::missing_dependency`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

pub const USER: &str = "dpo";
pub const PASSWORD: &str = "imap-test-secret";

pub struct Dovecot {
    pub dir: PathBuf,
    pub imaps_port: u16,
    pub imap_port: u16,
    pub ca: PathBuf,
    child: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl CLI");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn make_pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=dsrdesk inbox test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

/// The uid and gid dovecot runs mail processes as: ours, unless we are root (dovecot refuses
/// root for mail), then the `dovecot` system user the package created.
fn mail_ids() -> (u32, u32) {
    let uid = nix::unistd::Uid::current();
    if !uid.is_root() {
        return (uid.as_raw(), nix::unistd::Gid::current().as_raw());
    }
    let user = nix::unistd::User::from_name("dovecot").ok().flatten().expect("the dovecot system user");
    (user.uid.as_raw(), user.gid.as_raw())
}

impl Dovecot {
    /// Start a private dovecot, or fail (or, locally with DSRDESK_ALLOW_SKIP=1, return None).
    pub fn start(name: &str) -> Option<Dovecot> {
        if !Path::new("/usr/sbin/dovecot").exists() {
            dsrdesk::testing::missing_dependency(
                "dovecot (Debian's dovecot-imapd)",
                "scripts/ensure-dovecot",
            );
            return None;
        }
        let base = std::env::temp_dir().join(format!("dsrdesk-dovecot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("run")).unwrap();
        std::fs::create_dir_all(base.join("state")).unwrap();
        make_pki(&base);
        let (uid, gid) = mail_ids();
        let root = nix::unistd::Uid::current().is_root();
        let me = nix::unistd::User::from_uid(nix::unistd::Uid::current()).ok().flatten().map(|u| u.name);
        let mail = base.join("mail").join(USER);
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(mail.join(sub)).unwrap();
        }
        std::fs::write(
            base.join("users"),
            format!("{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{}::\n", base.join("mail").join(USER).display()),
        )
        .unwrap();
        let (imap_port, imaps_port) = (free_port(), free_port());
        let (login_user, internal_user) = if root {
            ("dovenull".to_string(), "dovecot".to_string())
        } else {
            let me = me.expect("our user name");
            (me.clone(), me)
        };
        let config = format!(
            r#"base_dir = {base}/run
state_dir = {base}/state
instance_name = dsrdesk-test-{pid}
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{base}/server.crt
ssl_key = <{base}/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
mail_location = maildir:~
mail_privileged_group =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"#,
            base = base.display(),
            pid = std::process::id(),
        );
        std::fs::write(base.join("dovecot.conf"), config).unwrap();
        if root {
            // The mail processes run as the dovecot user: it must own the Maildir.
            chown_tree(&base.join("mail"), uid, gid);
        }
        let child = Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(base.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start /usr/sbin/dovecot");
        let server = Dovecot { dir: base.clone(), imaps_port, imap_port, ca: base.join("ca.crt"), child };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", imaps_port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "dovecot did not start: {}",
                std::fs::read_to_string(base.join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    /// The user's Maildir (INBOX).
    pub fn maildir(&self) -> PathBuf {
        self.dir.join("mail").join(USER)
    }

    /// Deliver a message as an MTA would: into tmp/, then renamed into new/, with its mtime set to
    /// the arrival time (dovecot's INTERNALDATE for Maildir).
    pub fn deliver(&self, name: &str, bytes: &[u8], arrived: SystemTime) {
        deliver_to(&self.maildir(), name, bytes, arrived);
        if nix::unistd::Uid::current().is_root() {
            let (uid, gid) = mail_ids();
            let _ = nix::unistd::chown(
                &self.maildir().join("new").join(name),
                Some(uid.into()),
                Some(gid.into()),
            );
        }
    }

    /// Give the Maildir to the mail user after writing many files with `deliver_to` (as root).
    pub fn fix_owner(&self) {
        if nix::unistd::Uid::current().is_root() {
            let (uid, gid) = mail_ids();
            chown_tree(&self.maildir(), uid, gid);
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }

    /// A password file readable only by us.
    pub fn password_file(&self) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.dir.join("imap-password");
        std::fs::write(&p, PASSWORD).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p
    }
}

pub fn deliver_to(maildir: &Path, name: &str, bytes: &[u8], arrived: SystemTime) {
    let tmp = maildir.join("tmp").join(name);
    std::fs::write(&tmp, bytes).unwrap();
    let f = std::fs::File::options().write(true).open(&tmp).unwrap();
    f.set_modified(arrived).unwrap();
    drop(f);
    std::fs::rename(&tmp, maildir.join("new").join(name)).unwrap();
}

fn chown_tree(dir: &Path, uid: u32, gid: u32) {
    let _ = nix::unistd::chown(dir, Some(uid.into()), Some(gid.into()));
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                chown_tree(&p, uid, gid);
            } else {
                let _ = nix::unistd::chown(&p, Some(uid.into()), Some(gid.into()));
            }
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM, so the master stops its login and auth processes too.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
