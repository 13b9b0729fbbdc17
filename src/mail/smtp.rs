//! The SMTP relay: settings (file, then environment), checked before anything is sent, and the
//! pooled lettre transport the outbox sender uses.
//!
//! Accepted URLs (lettre's forms): `smtps://host:465` (implicit TLS), `smtp://host:587?tls=required`
//! (STARTTLS), and plain `smtp://127.0.0.1:2525`, which is refused unless the host is loopback.
//! The password is read from `password_file` (refused when group or others may read it),
//! `DSRDESK_SMTP_PASSWORD_FILE` or `DSRDESK_SMTP_PASSWORD`; it never appears in Debug output.
//! The server's certificate is checked against the system's roots (webpki) and, with `ca_file` or
//! `DSRDESK_SMTP_CA_FILE`, an agency's own CA; the host name is always checked.

use crate::config::{ConfigError, SmtpSettings};
use lettre::address::Envelope;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtps://`: TLS from the first byte.
    ImplicitTls,
    /// `smtp://...?tls=required`: STARTTLS, refused if the server does not offer it.
    StartTls,
    /// `smtp://` to a loopback relay (a local MTA that relays onwards securely).
    PlainLoopback,
}

/// The relay, checked and with the environment applied.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub url: String,
    pub host: String,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Extra roots to trust (PEM), read and checked when the settings are resolved.
    pub ca_file: Option<PathBuf>,
    pub concurrency: usize,
    pub timeout: Duration,
    /// The port from the URL, or the scheme's usual one (465, 587, 25) as lettre takes it.
    pub port: u16,
}

fn invalid(source: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { path: PathBuf::from(source), message: message.into() }
}

/// Read the environment and the file's settings into a checked configuration; `None` when no
/// relay is configured at all. `env` is `std::env::var` in the program, a map in tests.
pub fn resolve(
    settings: &SmtpSettings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<SmtpConfig>, ConfigError> {
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let (url, source) = match env("DSRDESK_SMTP_URL") {
        Some(url) => (url, "DSRDESK_SMTP_URL"),
        None => match &settings.url {
            Some(url) => (url.clone(), "[smtp] url"),
            None => return Ok(None),
        },
    };
    let (host, security) = check_url(&url).map_err(|m| invalid(source, m))?;
    let port = url_port(&url).unwrap_or(match security {
        Security::ImplicitTls => lettre::transport::smtp::SUBMISSIONS_PORT,
        Security::StartTls => lettre::transport::smtp::SUBMISSION_PORT,
        Security::PlainLoopback => lettre::transport::smtp::SMTP_PORT,
    });
    let password = if let Some(p) = env("DSRDESK_SMTP_PASSWORD") {
        Some(Secret::new(p))
    } else if let Some(file) =
        env("DSRDESK_SMTP_PASSWORD_FILE").map(PathBuf::from).or(settings.password_file.clone())
    {
        Some(read_password_file(&file)?)
    } else {
        None
    };
    if password.is_some() && settings.username.is_none() {
        return Err(invalid("[smtp]", "a password is set but no username"));
    }
    if settings.username.is_some() && password.is_none() {
        return Err(invalid(
            "[smtp]",
            "a username is set but no password (password_file, DSRDESK_SMTP_PASSWORD_FILE or DSRDESK_SMTP_PASSWORD)",
        ));
    }
    if password.is_some() && security == Security::PlainLoopback {
        // Even on loopback, a password is not sent in the clear.
        return Err(invalid(
            source,
            "a password is never sent over a plain connection: use smtps:// or ?tls=required",
        ));
    }
    let ca_file = env("DSRDESK_SMTP_CA_FILE").map(PathBuf::from).or(settings.ca_file.clone());
    if let Some(ca) = &ca_file {
        if security == Security::PlainLoopback {
            return Err(invalid(
                source,
                "ca_file is set but the URL asks for no TLS: use smtps:// or ?tls=required",
            ));
        }
        read_ca_file(ca)?;
    }
    let concurrency = settings.concurrency.unwrap_or(8);
    if !(1..=64).contains(&concurrency) {
        return Err(invalid("[smtp] concurrency", "must be between 1 and 64"));
    }
    Ok(Some(SmtpConfig {
        url,
        host,
        security,
        username: settings.username.clone(),
        password,
        ca_file,
        concurrency,
        timeout: Duration::from_secs(settings.timeout_secs.unwrap_or(60).max(1)),
        port,
    }))
}

/// The port written in a URL that [`check_url`] accepted.
fn url_port(url: &str) -> Option<u16> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['?', '/']).next()?;
    let after_host = match authority.strip_prefix('[') {
        Some(v6) => v6.split_once(']')?.1,
        None => authority.split_once(':').map_or("", |(_, p)| p),
    };
    after_host.trim_start_matches(':').parse().ok()
}

/// The relay from the program's settings and environment.
pub fn from_settings(settings: &SmtpSettings) -> Result<Option<SmtpConfig>, ConfigError> {
    resolve(settings, |name| std::env::var(name).ok())
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Check the URL's form; returns the host and the protection.
fn check_url(url: &str) -> Result<(String, Security), String> {
    let (scheme, rest) =
        url.split_once("://").ok_or_else(|| format!("{url:?} is not a URL (smtps://host:465)"))?;
    let (authority, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = authority.trim_end_matches('/');
    if authority.contains('@') {
        return Err("no credentials in the URL: use username and password_file".into());
    }
    if authority.contains('/') {
        return Err(format!("{url:?}: no path after the host"));
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(|| format!("{url:?}: unclosed ["))?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Err(format!("{url:?}: port {port:?} is not a number"));
    }
    if host.is_empty() {
        return Err(format!("{url:?}: no host"));
    }
    let tls = query.into_iter().flat_map(|q| q.split('&')).find_map(|kv| kv.strip_prefix("tls="));
    let security = match (scheme, tls) {
        ("smtps", None) => Security::ImplicitTls,
        ("smtp", Some("required")) => Security::StartTls,
        ("smtp", None) if is_loopback(host) => Security::PlainLoopback,
        ("smtp", None | Some("opportunistic")) => {
            return Err(format!(
                "{url:?}: a plain connection is only allowed to a loopback relay; use smtps://{host}:465 or smtp://{host}:587?tls=required"
            ));
        }
        ("smtp" | "smtps", Some(other)) => return Err(format!("{url:?}: tls={other} is not supported")),
        (other, _) => return Err(format!("{url:?}: scheme {other:?}: use smtps or smtp")),
    };
    Ok((host.to_string(), security))
}

fn read_password_file(path: &Path) -> Result<Secret, ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let source = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| invalid(&source, format!("cannot read the SMTP password file: {e}")))?;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(invalid(
            &source,
            format!("the SMTP password file may be read by others (mode {:o}): chmod 600 it", mode & 0o777),
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(&source, format!("cannot read the SMTP password file: {e}")))?;
    let password = text.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(invalid(&source, "the SMTP password file is empty"));
    }
    Ok(Secret::new(password))
}

fn read_ca_file(path: &Path) -> Result<Certificate, ConfigError> {
    let source = path.display().to_string();
    let pem =
        std::fs::read(path).map_err(|e| invalid(&source, format!("cannot read the SMTP CA file: {e}")))?;
    // lettre keeps what it cannot parse for later; a key or a DER file given by mistake is
    // refused now, not at the first delivery.
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(invalid(&source, "not a PEM certificate for the SMTP relay's CA (no BEGIN CERTIFICATE)"));
    }
    Certificate::from_pem(&pem)
        .map_err(|e| invalid(&source, format!("not a PEM certificate for the SMTP relay's CA: {e}")))
}

/// The pooled transport (lettre's own; kept for callers that only need a transport).
pub type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Why one SMTP transaction did not end in the server's acceptance, by how far it got. What may be
/// done next depends on it (Issue 14 §3): RFC 5321 §4.1.1.4 — the server takes responsibility for
/// a message only with its answer to the end of data (`.`), and a transaction cut off before that
/// `.` is discarded by the server. So before the `.` a failure leaves nothing delivered (retry);
/// after it, no answer means the message may have been delivered (uncertain, never resent by
/// itself); an answer — 4xx or 5xx — at any phase says plainly that it was not accepted.
#[derive(Debug)]
pub enum SendFailure {
    /// The server answered 4xx (try later, `permanent` false) or 5xx (never) at some phase.
    Refused { permanent: bool, message: String },
    /// Failed before the end of data was written: connecting, the greeting, EHLO, TLS, AUTH,
    /// MAIL, RCPT, DATA or the message text. The server holds nothing to deliver.
    BeforeEndOfData(String),
    /// The end of data was (being) written and no valid answer came: maybe delivered.
    AfterEndOfData(String),
    /// Refused on this side before anything was sent (a non-ASCII address the server cannot take).
    Client(String),
}

impl SendFailure {
    fn before(e: lettre::transport::smtp::Error) -> SendFailure {
        let message = e.to_string().replace(['\r', '\n'], " ");
        if e.is_transient() || e.is_permanent() {
            SendFailure::Refused { permanent: e.is_permanent(), message }
        } else if e.is_client() {
            SendFailure::Client(message)
        } else {
            SendFailure::BeforeEndOfData(message)
        }
    }
}

/// Delivers one message at a time per connection, knowing which phase a failure happened in
/// (lettre's pooled transport cannot say: a dropped connection after the `.` looks the same as a
/// slow greeting). Connections are kept for reuse, as many as `concurrency`.
#[derive(Clone)]
pub struct Sender {
    config: SmtpConfig,
    /// STARTTLS: lettre upgrades the connection it has.
    tls: Option<lettre::transport::smtp::client::TlsParameters>,
    /// Implicit TLS: the TLS session is made here over our own socket (see [`Sender::connect`]),
    /// trusting what lettre's would: the webpki roots and the agency's CA file.
    implicit_tls: Option<tokio_rustls::TlsConnector>,
    idle: std::sync::Arc<std::sync::Mutex<Vec<lettre::transport::smtp::client::AsyncSmtpConnection>>>,
}

/// A TLS session over TCP, as lettre takes an existing stream.
#[derive(Debug)]
struct TlsOverTcp(tokio_rustls::client::TlsStream<tokio::net::TcpStream>);

impl lettre::transport::smtp::client::AsyncTokioStream for TlsOverTcp {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl tokio::io::AsyncRead for TlsOverTcp {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for TlsOverTcp {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// The roots an SMTP server's certificate is checked against: webpki's and the agency's CA.
fn implicit_tls_connector(config: &SmtpConfig) -> Result<tokio_rustls::TlsConnector, ConfigError> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(ca) = &config.ca_file {
        let source = ca.display().to_string();
        for cert in crate::mail::inbox::settings::read_ca_file(ca).map_err(|e| invalid(&source, e))? {
            roots.add(cert).map_err(|e| invalid(&source, format!("TLS settings: {e}")))?;
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| invalid("SMTP url", format!("TLS settings: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(std::sync::Arc::new(tls)))
}

impl Sender {
    pub fn new(config: &SmtpConfig) -> Result<Sender, ConfigError> {
        let tls = match config.security {
            Security::PlainLoopback => None,
            Security::ImplicitTls | Security::StartTls => Some(match &config.ca_file {
                Some(ca) => TlsParameters::builder(config.host.clone())
                    .add_root_certificate(read_ca_file(ca)?)
                    .build_rustls()
                    .map_err(|e| invalid(&ca.display().to_string(), format!("TLS settings: {e}")))?,
                None => TlsParameters::new(config.host.clone())
                    .map_err(|e| invalid("SMTP url", format!("TLS settings: {e}")))?,
            }),
        };
        let implicit_tls =
            (config.security == Security::ImplicitTls).then(|| implicit_tls_connector(config)).transpose()?;
        Ok(Sender { config: config.clone(), tls, implicit_tls, idle: Default::default() })
    }

    /// A fresh connection: TCP, greeting, EHLO, TLS as configured, AUTH. Bounded by the caller's
    /// timeout.
    ///
    /// The socket is opened here rather than by lettre, to set TCP_NODELAY (issue 18 §1), which
    /// lettre's `connect_tokio1` does not. Without it each message waited about 40 ms: lettre
    /// writes the message text and then the closing `\r\n.\r\n` as a second small write, which
    /// Nagle's algorithm holds back until the text is acknowledged, and the server delays that
    /// acknowledgement (Linux: up to 40 ms) as it has nothing to answer before the `.`. One
    /// connection then sends about 25 messages a second, whatever the machine.
    async fn connect(&self) -> Result<lettre::transport::smtp::client::AsyncSmtpConnection, SendFailure> {
        use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
        use lettre::transport::smtp::extension::ClientId;
        let before = SendFailure::before;
        let hello = ClientId::default();
        let host = self.config.host.trim_start_matches('[').trim_end_matches(']');
        let failed = |what: &str, e: std::io::Error| {
            SendFailure::BeforeEndOfData(format!("{what} {host}:{}: {e}", self.config.port))
        };
        let tcp = tokio::net::TcpStream::connect((host, self.config.port))
            .await
            .map_err(|e| failed("connecting to", e))?;
        tcp.set_nodelay(true).map_err(|e| failed("TCP_NODELAY on the connection to", e))?;
        let stream: Box<dyn AsyncTokioStream> = match &self.implicit_tls {
            Some(connector) => {
                let name = rustls_pki_types::ServerName::try_from(host.to_string()).map_err(|e| {
                    SendFailure::BeforeEndOfData(format!("TLS to {host}: not a server name: {e}"))
                })?;
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| failed("TLS (the server's certificate) with", e))?;
                Box::new(TlsOverTcp(tls))
            }
            None => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &hello).await.map_err(before)?;
        if self.config.security == Security::StartTls
            && let Some(tls) = &self.tls
        {
            conn.starttls(tls.clone(), &hello).await.map_err(before)?;
        }
        if let (Some(user), Some(password)) = (&self.config.username, &self.config.password) {
            let credentials = Credentials::new(user.clone(), password.expose().to_string());
            conn.auth(lettre::transport::smtp::authentication::DEFAULT_MECHANISMS, &credentials)
                .await
                .map_err(before)?;
        }
        Ok(conn)
    }

    /// One SMTP transaction. `end_of_data` is set the moment the message text has been written
    /// and the terminating `.` is about to be: a caller whose own timeout cuts this future off
    /// reads it to know which side of the `.` the transaction stopped on.
    pub async fn send(
        &self,
        envelope: &Envelope,
        email: &[u8],
        end_of_data: &std::sync::atomic::AtomicBool,
    ) -> Result<lettre::transport::smtp::response::Response, SendFailure> {
        use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
        use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
        use std::sync::atomic::Ordering;
        let before = SendFailure::before;
        let pooled = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let timeout = self.config.timeout;
        // A kept connection the server may have closed meanwhile: NOOP tells, before anything
        // of the message is sent.
        let mut kept = None;
        if let Some(mut conn) = pooled
            && conn.test_connected().await
        {
            kept = Some(conn);
        }
        let mut conn = match kept {
            Some(conn) => conn,
            None => match tokio::time::timeout(timeout, self.connect()).await {
                Ok(Ok(conn)) => conn,
                Ok(Err(failure)) => return Err(failure),
                Err(_) => {
                    return Err(SendFailure::BeforeEndOfData(format!(
                        "no greeting from the server within {} s",
                        timeout.as_secs()
                    )));
                }
            },
        };
        let mut options = Vec::new();
        let non_ascii = envelope
            .to()
            .iter()
            .chain(envelope.from())
            .any(|a: &lettre::Address| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii && conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            options.push(MailParameter::SmtpUtfEight);
        }
        if !email.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let phases = async {
            conn.command(Mail::new(envelope.from().cloned(), options)).await.map_err(before)?;
            for to in envelope.to() {
                conn.command(Rcpt::new(to.clone(), vec![])).await.map_err(before)?;
            }
            conn.command(Data).await.map_err(before)?;
            let text = std::iter::once(email).chain(std::iter::from_fn(|| {
                end_of_data.store(true, Ordering::SeqCst);
                None
            }));
            conn.message_iter(text).await.map_err(|e| {
                if end_of_data.load(Ordering::SeqCst) && !(e.is_transient() || e.is_permanent()) {
                    SendFailure::AfterEndOfData(e.to_string().replace(['\r', '\n'], " "))
                } else {
                    before(e)
                }
            })
        };
        let answer = phases.await;
        match &answer {
            Ok(_) if !conn.has_broken() => {
                if let Ok(mut idle) = self.idle.lock()
                    && idle.len() < self.config.concurrency
                {
                    idle.push(conn);
                }
            }
            _ => conn.abort().await,
        }
        answer
    }
}

impl SmtpConfig {
    /// Build the pooled transport (connections are opened on first use).
    pub fn transport(&self) -> Result<Transport, ConfigError> {
        let mut builder = Transport::from_url(&self.url)
            .map_err(|e| invalid("SMTP url", format!("{e}")))?
            .timeout(Some(self.timeout))
            .pool_config(PoolConfig::new().max_size(self.concurrency as u32));
        if let Some(ca) = &self.ca_file {
            let parameters = TlsParameters::builder(self.host.clone())
                .add_root_certificate(read_ca_file(ca)?)
                .build_rustls()
                .map_err(|e| invalid(&ca.display().to_string(), format!("TLS settings: {e}")))?;
            builder = builder.tls(match self.security {
                Security::ImplicitTls => Tls::Wrapper(parameters),
                Security::StartTls => Tls::Required(parameters),
                Security::PlainLoopback => {
                    return Err(invalid("[smtp] ca_file", "a CA file needs smtps:// or ?tls=required"));
                }
            });
        }
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
        }
        Ok(builder.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(url: &str) -> SmtpSettings {
        SmtpSettings { url: Some(url.into()), ..SmtpSettings::default() }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_three_url_forms_are_accepted() {
        let c = resolve(&settings("smtps://mail.example.se:465"), no_env).unwrap().unwrap();
        assert_eq!((c.host.as_str(), c.security), ("mail.example.se", Security::ImplicitTls));
        let c = resolve(&settings("smtp://mail.example.se:587?tls=required"), no_env).unwrap().unwrap();
        assert_eq!(c.security, Security::StartTls);
        let c = resolve(&settings("smtp://127.0.0.1:2525"), no_env).unwrap().unwrap();
        assert_eq!(c.security, Security::PlainLoopback);
        assert_eq!(
            resolve(&settings("smtp://localhost:25"), no_env).unwrap().unwrap().security,
            Security::PlainLoopback
        );
        assert!(resolve(&SmtpSettings::default(), no_env).unwrap().is_none());
    }

    #[test]
    fn the_port_is_the_urls_or_the_schemes_usual_one() {
        let port = |url: &str| resolve(&settings(url), no_env).unwrap().unwrap().port;
        assert_eq!(port("smtps://mail.example.se"), 465);
        assert_eq!(port("smtps://mail.example.se:4650"), 4650);
        assert_eq!(port("smtp://mail.example.se?tls=required"), 587);
        assert_eq!(port("smtp://127.0.0.1:2525"), 2525);
        assert_eq!(port("smtp://[::1]:2526/"), 2526);
        assert_eq!(port("smtp://localhost"), 25);
    }

    #[test]
    fn plain_smtp_to_another_host_is_refused() {
        for url in [
            "smtp://mail.example.se:25",
            "smtp://10.0.0.5:2525",
            "smtp://mail.example.se:587?tls=opportunistic",
        ] {
            let err = resolve(&settings(url), no_env).unwrap_err().to_string();
            assert!(err.contains("loopback"), "{url}: {err}");
        }
        assert!(resolve(&settings("http://mail.example.se"), no_env).is_err());
        assert!(resolve(&settings("smtps://user:pw@mail.example.se"), no_env).is_err());
    }

    #[test]
    fn the_environment_overrides_the_url_and_gives_the_password() {
        let env: HashMap<&str, &str> =
            [("DSRDESK_SMTP_URL", "smtps://relay.example.fi"), ("DSRDESK_SMTP_PASSWORD", "hunter2-secret")]
                .into();
        let s = SmtpSettings { username: Some("dpo".into()), ..settings("smtp://127.0.0.1:25") };
        let c = resolve(&s, |k| env.get(k).map(|v| v.to_string())).unwrap().unwrap();
        assert_eq!(c.url, "smtps://relay.example.fi");
        assert_eq!(c.password.as_ref().map(Secret::expose), Some("hunter2-secret"));
    }

    #[test]
    fn the_password_never_appears_in_debug_output() {
        let env: HashMap<&str, &str> = [("DSRDESK_SMTP_PASSWORD", "hunter2-secret")].into();
        let s = SmtpSettings { username: Some("dpo".into()), ..settings("smtps://relay.example.fi") };
        let c = resolve(&s, |k| env.get(k).map(|v| v.to_string())).unwrap().unwrap();
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn a_password_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let s = SmtpSettings {
            username: Some("dpo".into()),
            password_file: Some(file.clone()),
            ..settings("smtps://relay.example.fi")
        };
        let err = resolve(&s, no_env).unwrap_err().to_string();
        assert!(err.contains("chmod 600") && !err.contains("s3cret"), "{err}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let c = resolve(&s, no_env).unwrap().unwrap();
        assert_eq!(c.password.unwrap().expose(), "s3cret");
    }

    #[test]
    fn a_password_without_tls_is_refused_even_on_loopback() {
        let env: HashMap<&str, &str> = [("DSRDESK_SMTP_PASSWORD", "x")].into();
        let s = SmtpSettings { username: Some("dpo".into()), ..settings("smtp://127.0.0.1:2525") };
        assert!(resolve(&s, |k| env.get(k).map(|v| v.to_string())).is_err());
    }
}
