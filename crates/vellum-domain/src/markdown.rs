//! Light markdown for comments, rendered to HTML that cannot carry markup of its own: every
//! character of the text is escaped, and only the tags produced here appear — paragraphs, line
//! breaks, bullet lists, `**strong**`, `*emphasis*` / `_emphasis_`, `` `code` `` and links
//! `[text](url)` whose address is http, https or mailto (anything else, `javascript:`
//! included, stays plain text). Raw HTML in a comment shows as the text it is.

use crate::mail::escape_html;

/// The comment's text as safe HTML.
pub fn render(text: &str) -> String {
    let mut out = String::new();
    let normalised = text.replace("\r\n", "\n");
    for block in normalised.split("\n\n").map(|b| b.trim_matches(|c| c == '\n')).filter(|b| !b.trim().is_empty()) {
        let lines: Vec<&str> = block.lines().collect();
        if lines.iter().all(|l| bullet(l).is_some()) {
            out.push_str("<ul>");
            for l in &lines {
                out.push_str("<li>");
                out.push_str(&inline(bullet(l).unwrap_or(l)));
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        } else {
            out.push_str("<p>");
            out.push_str(&lines.iter().map(|l| inline(l)).collect::<Vec<_>>().join("<br>"));
            out.push_str("</p>");
        }
    }
    out
}

fn bullet(line: &str) -> Option<&str> {
    let t = line.trim_start();
    t.strip_prefix("- ").or_else(|| t.strip_prefix("* "))
}

/// Whether a link target may be followed from a comment.
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"].iter().any(|s| lower.starts_with(s)) && !url.chars().any(char::is_whitespace)
}

/// Inline marks of one line.
fn inline(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        if let Some((html, after)) = mark(rest) {
            out.push_str(&html);
            rest = after;
            continue;
        }
        let mut chars = rest.chars();
        let c = chars.next().unwrap_or_default();
        out.push_str(&escape_html(&c.to_string()));
        rest = chars.as_str();
    }
    out
}

/// A mark starting at the beginning of `s`: its HTML and what follows it.
fn mark(s: &str) -> Option<(String, &str)> {
    if let Some(body) = s.strip_prefix("**") {
        let end = body.find("**").filter(|&e| e > 0)?;
        return Some((format!("<strong>{}</strong>", inline(&body[..end])), &body[end + 2..]));
    }
    if let Some(body) = s.strip_prefix('`') {
        let end = body.find('`').filter(|&e| e > 0)?;
        return Some((format!("<code>{}</code>", escape_html(&body[..end])), &body[end + 1..]));
    }
    for m in ['*', '_'] {
        if let Some(body) = s.strip_prefix(m) {
            let end = body.find(m).filter(|&e| e > 0 && !body.starts_with(' '))?;
            return Some((format!("<em>{}</em>", inline(&body[..end])), &body[end + 1..]));
        }
    }
    if let Some(body) = s.strip_prefix('[') {
        let close = body.find("](")?;
        let after = &body[close + 2..];
        let end = after.find(')')?;
        let (label, url) = (&body[..close], &after[..end]);
        let text = inline(label);
        let html = if safe_url(url) {
            format!(
                "<a href=\"{}\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">{text}</a>",
                escape_html(url.trim())
            )
        } else {
            // An address that is not a web or mail link is not a link at all.
            format!("{text} ({})", escape_html(url))
        };
        return Some((html, &after[end + 1..]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_become_tags() {
        assert_eq!(
            render("Make the **logo** *bigger* and `bold`"),
            "<p>Make the <strong>logo</strong> <em>bigger</em> and <code>bold</code></p>"
        );
        assert_eq!(render("- one\n- two"), "<ul><li>one</li><li>two</li></ul>");
        assert_eq!(render("a\nb\n\nc"), "<p>a<br>b</p><p>c</p>");
        assert_eq!(
            render("[brand guide](https://example.com/guide?a=1&b=2)"),
            "<p><a href=\"https://example.com/guide?a=1&amp;b=2\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">brand guide</a></p>"
        );
    }

    #[test]
    fn raw_html_is_text() {
        let html = render("<script>alert(1)</script> <img src=x onerror=alert(1)> **<b>x</b>**");
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn script_links_are_not_links() {
        for bad in
            ["[click](javascript:alert(1))", "[x](JavaScript:alert(1))", "[x](data:text/html,hi)", "[x]( javascript:1)"]
        {
            let html = render(bad);
            assert!(!html.contains("<a "), "{bad}: {html}");
        }
        let quoted = render("[x](https://a.example/\"onmouseover=\"alert(1))");
        assert!(!quoted.contains("\"onmouseover"), "{quoted}");
    }

    #[test]
    fn unmatched_marks_stay_as_typed() {
        assert_eq!(render("2 * 3 = 6 and a_b"), "<p>2 * 3 = 6 and a_b</p>");
        assert_eq!(render("**open"), "<p>**open</p>");
    }
}
