//! A minimal SMTP client (RFC 5321): EHLO, optional AUTH PLAIN, one message to one recipient.
//! Plain TCP only: point `--smtp-url` at a relay on the same network (a local Postfix, the
//! provider's relay behind a tunnel) when the mail must leave over TLS.

use std::time::Duration;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

/// Where and how to send mail, from `smtp://[user:password@]host[:port]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password never reaches a log.
        write!(f, "smtp://{}{}:{}", if self.credentials.is_some() { "***@" } else { "" }, self.host, self.port)
    }
}

impl SmtpServer {
    pub fn parse(url: &str) -> Result<SmtpServer, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("'{}' is not an smtp:// URL (TLS is left to a local relay)", redact(url)))?;
        let rest = rest.trim_end_matches('/');
        let (credentials, hostport) = match rest.rsplit_once('@') {
            Some((cred, hp)) => {
                let (u, p) = cred.split_once(':').unwrap_or((cred, ""));
                (Some((percent_decode(u), percent_decode(p))), hp)
            }
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                (h, p.parse::<u16>().map_err(|_| format!("'{p}' is not a port"))?)
            }
            _ => (hostport, 25),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err("the SMTP URL has no host".into());
        }
        Ok(SmtpServer { host: host.to_string(), port, credentials })
    }
}

fn redact(url: &str) -> String {
    match url.rsplit_once('@') {
        Some((_, rest)) => format!("***@{rest}"),
        None => url.to_string(),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The address inside `Name <addr>`, or the whole text.
pub fn bare_address(s: &str) -> &str {
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => &s[a + 1..b],
        _ => s.trim(),
    }
}

const STEP: Duration = Duration::from_secs(30);

struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    /// Reads one (possibly multi-line) reply; returns its code and text.
    async fn reply(&mut self) -> Result<(u16, String), String> {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(STEP, self.stream.read_line(&mut line))
                .await
                .map_err(|_| "the SMTP server did not answer in time".to_string())?
                .map_err(|e| format!("reading from the SMTP server: {e}"))?;
            if n == 0 {
                return Err("the SMTP server closed the connection".into());
            }
            let not_a_reply = || format!("not an SMTP reply: {}", line.trim());
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok()).ok_or_else(not_a_reply)?;
            text.push_str(line.get(4..).unwrap_or("").trim_end());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok((code, text));
            }
            text.push(' ');
        }
    }

    async fn send(&mut self, line: &str) -> Result<(), String> {
        tokio::time::timeout(STEP, self.stream.get_mut().write_all(line.as_bytes()))
            .await
            .map_err(|_| "the SMTP server did not take the data in time".to_string())?
            .map_err(|e| format!("writing to the SMTP server: {e}"))
    }

    /// Sends a command and expects a reply code in `ok`.
    async fn command(&mut self, line: &str, ok: &[u16]) -> Result<String, String> {
        self.send(line).await?;
        let (code, text) = self.reply().await?;
        if ok.contains(&code) {
            Ok(text)
        } else {
            let verb = line.split([' ', ':']).next().unwrap_or("").trim();
            Err(format!("the SMTP server refused {verb}: {code} {text}"))
        }
    }
}

/// `data` with every line ending CRLF and lines starting with a dot doubled (RFC 5321 4.5.2).
fn dot_stuffed(data: &str) -> String {
    let mut out = String::with_capacity(data.len() + 16);
    for line in data.split("\r\n") {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    // The split above added one CRLF too many when `data` already ended with one.
    if data.ends_with("\r\n") {
        out.truncate(out.len() - 2);
    }
    out
}

/// Sends one rendered message (`data`, CRLF line ends) from `from` to `to`.
pub async fn send(server: &SmtpServer, helo: &str, from: &str, to: &str, data: &str) -> Result<(), String> {
    let connect = TcpStream::connect((server.host.as_str(), server.port));
    let tcp = tokio::time::timeout(STEP, connect)
        .await
        .map_err(|_| format!("connecting to the SMTP server {}:{} timed out", server.host, server.port))?
        .map_err(|e| format!("connecting to the SMTP server {}:{}: {e}", server.host, server.port))?;
    let mut c = Conn { stream: BufReader::new(tcp) };
    let (code, text) = c.reply().await?;
    if code != 220 {
        return Err(format!("the SMTP server did not greet: {code} {text}"));
    }
    c.command(&format!("EHLO {helo}\r\n"), &[250]).await?;
    if let Some((user, password)) = &server.credentials {
        let token = STANDARD.encode(format!("\0{user}\0{password}"));
        c.command(&format!("AUTH PLAIN {token}\r\n"), &[235]).await?;
    }
    c.command(&format!("MAIL FROM:<{}>\r\n", bare_address(from)), &[250]).await?;
    c.command(&format!("RCPT TO:<{}>\r\n", bare_address(to)), &[250, 251]).await?;
    c.command("DATA\r\n", &[354]).await?;
    let mut body = dot_stuffed(data);
    if !body.ends_with("\r\n") {
        body.push_str("\r\n");
    }
    body.push_str(".\r\n");
    c.command(&body, &[250]).await?;
    // The message is accepted; a failed goodbye changes nothing.
    let _ = c.command("QUIT\r\n", &[221]).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_port_and_credentials() {
        let s = SmtpServer::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((s.host.as_str(), s.port, s.credentials.is_none()), ("127.0.0.1", 2525, true));
        let s = SmtpServer::parse("smtp://ana%40x.com:p%3Ass@mail.example.com").unwrap();
        assert_eq!(s.port, 25);
        assert_eq!(s.credentials, Some(("ana@x.com".into(), "p:ss".into())));
        assert!(!format!("{s:?}").contains("p:ss"));
        assert!(SmtpServer::parse("smtps://x").is_err());
        assert!(SmtpServer::parse("smtp://x:notaport").is_err());
        assert!(SmtpServer::parse("smtp://").is_err());
    }

    #[test]
    fn lines_starting_with_a_dot_are_doubled() {
        assert_eq!(dot_stuffed("a\r\n.b\r\n..c\r\n"), "a\r\n..b\r\n...c\r\n");
        assert_eq!(dot_stuffed("a"), "a\r\n");
        assert_eq!(bare_address("Vellum <v@x.com>"), "v@x.com");
        assert_eq!(bare_address(" v@x.com "), "v@x.com");
    }
}
