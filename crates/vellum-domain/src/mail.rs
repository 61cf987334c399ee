//! Email messages as bytes on the wire (RFC 5322 with a MIME plain-text + HTML body), and the
//! escaping both parts need.

use base64::{engine::general_purpose::STANDARD, Engine as _};

use crate::Timestamp;

/// An email to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A header value: plain when it is printable ASCII, else an RFC 2047 encoded word; control
/// characters dropped and the text cut to 200 characters, so no line passes 998 bytes.
fn header_text(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.is_ascii() {
        clean
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(clean.as_bytes()))
    }
}

/// Base64 in lines of 76 characters, as MIME wants.
fn base64_lines(body: &str) -> String {
    let encoded = STANDARD.encode(body.as_bytes());
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push_str("\r\n");
    }
    out
}

impl Message {
    /// The message as sent: headers and a multipart/alternative body, CRLF line ends.
    /// `id` makes the Message-ID and the MIME boundary unique.
    pub fn render(&self, id: &str, date: Timestamp, domain: &str) -> String {
        let boundary = format!("vellum-{id}");
        let mut m = String::new();
        m.push_str(&format!("From: {}\r\n", header_text(&self.from)));
        m.push_str(&format!("To: {}\r\n", header_text(&self.to)));
        m.push_str(&format!("Subject: {}\r\n", header_text(&self.subject)));
        m.push_str(&format!("Date: {}\r\n", date.http_date().replace(" GMT", " +0000")));
        m.push_str(&format!("Message-ID: <{id}@{domain}>\r\n"));
        m.push_str("Auto-Submitted: auto-generated\r\n");
        m.push_str("MIME-Version: 1.0\r\n");
        m.push_str(&format!("Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"));
        for (kind, body) in [("text/plain", &self.text), ("text/html", &self.html)] {
            m.push_str(&format!("--{boundary}\r\n"));
            m.push_str(&format!("Content-Type: {kind}; charset=utf-8\r\n"));
            m.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
            m.push_str(&base64_lines(body));
        }
        m.push_str(&format!("--{boundary}--\r\n"));
        m
    }
}

/// Text made safe to place inside HTML.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `s` is a plausible single mailbox (no header injection, one `@`; a dotless domain
/// such as `localhost` is allowed for a sender).
pub fn plausible_address(s: &str) -> bool {
    let s = s.trim();
    s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
        && matches!(s.split_once('@'), Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_has_both_parts_and_encodes_what_is_not_ascii() {
        let m = Message {
            from: "Vellum <vellum@example.com>".into(),
            to: "zoë@example.com".into(),
            subject: "Review waiting: Café poster\r\nBcc: evil@example.com".into(),
            text: "Hello\nline".into(),
            html: "<p>Hello</p>".into(),
        };
        let wire = m.render("abc", Timestamp::parse("2026-03-02T09:00:00Z").unwrap(), "example.com");
        assert!(wire.contains("Subject: =?UTF-8?B?"));
        assert!(!wire.contains("\r\nBcc:"), "a newline in a header cannot add a header");
        assert!(wire.contains("Date: Mon, 02 Mar 2026 09:00:00 +0000\r\n"));
        assert!(wire.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(wire.contains("Content-Type: text/html; charset=utf-8"));
        assert!(wire.contains(&STANDARD.encode("<p>Hello</p>")));
        assert!(wire.ends_with("--vellum-abc--\r\n"));
        assert!(wire.split("\r\n").all(|l| l.len() <= 998));
        let long = Message { subject: "é".repeat(5000), ..m };
        assert!(long
            .render("x", Timestamp::parse("2026-03-02T09:00:00Z").unwrap(), "example.com")
            .split("\r\n")
            .all(|l| l.len() <= 998));
    }

    #[test]
    fn html_is_escaped_and_addresses_checked() {
        assert_eq!(escape_html("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert!(plausible_address("ana@example.com") && plausible_address("vellum@localhost"));
        for bad in ["", "ana", "ana@", "@x.com", "a b@x.com", "a@x.com\r\nBcc: b@y.com", "a@b@c.com", "<a@b.com>"] {
            assert!(!plausible_address(bad), "{bad}");
        }
    }
}
