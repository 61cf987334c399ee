//! Time-based one-time passwords for a second factor: RFC 6238 (TOTP) over RFC 4226 (HOTP)
//! with HMAC-SHA-1, six digits and 30-second steps — what every authenticator app speaks — and
//! base32 (RFC 4648) for the secret the app is given.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps either side of now a code may come from: phones' clocks drift, people type slowly.
pub const SKEW_STEPS: i64 = 1;

/// The HOTP value of `counter` (RFC 4226 §5.3), as a number below 10^DIGITS.
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else { return 0 };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary =
        u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    binary % 10u32.pow(DIGITS)
}

/// The step a moment falls in.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECS)
}

/// The code for a step, zero-padded.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    format!("{:0width$}", hotp(secret, step.max(0) as u64), width = DIGITS as usize)
}

/// The step whose code `code` is, within the skew of now and after `last_used` (a code is used
/// once: a replay of the same or an earlier step is refused). Compared in constant time.
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64, last_used: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_seconds);
    let mut found = None;
    for step in now - SKEW_STEPS..=now + SKEW_STEPS {
        let expected = code_at_step(secret, step);
        let same = expected.bytes().zip(code.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same && last_used.is_none_or(|l| step > l) {
            found = Some(step);
        }
    }
    found
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 without padding (what `otpauth://` URIs carry).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (case-insensitive, padding and spaces ignored); None if it is not base32.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = ALPHABET.iter().position(|&a| char::from(a) == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app takes (as a QR code or pasted).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~@".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_matches_rfc_4226() {
        let expected = [755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489];
        for (counter, want) in expected.into_iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64), want, "counter {counter}");
        }
    }

    #[test]
    fn totp_matches_rfc_6238_in_six_digits() {
        // RFC 6238 appendix B (SHA-1), last six of the eight digits.
        for (t, want) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert_eq!(code_at_step(RFC_SECRET, step_of(t)), want, "T={t}");
        }
    }

    #[test]
    fn codes_are_accepted_near_now_once_and_only_well_formed() {
        let now = 1_234_567_890;
        let step = step_of(now);
        let code = code_at_step(RFC_SECRET, step);
        assert_eq!(verify(RFC_SECRET, &code, now, None), Some(step));
        assert_eq!(verify(RFC_SECRET, &format!("{} {}", &code[..3], &code[3..]), now, None), Some(step));
        assert_eq!(verify(RFC_SECRET, &code, now + STEP_SECS, None), Some(step), "one step late is fine");
        assert_eq!(verify(RFC_SECRET, &code, now + 3 * STEP_SECS, None), None, "three steps late is not");
        assert_eq!(verify(RFC_SECRET, &code, now, Some(step)), None, "a used code is not used twice");
        assert_eq!(verify(RFC_SECRET, &code_at_step(RFC_SECRET, step - 1), now, Some(step)), None);
        assert_eq!(verify(RFC_SECRET, "12345", now, None), None);
        assert_eq!(verify(RFC_SECRET, "12345a", now, None), None);
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32_decode("mzxw 6ytb oi======").unwrap(), b"foobar");
        assert!(base32_decode("M1").is_none());
        for n in 0..40 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base32_decode(&base32(&bytes)).unwrap(), bytes);
        }
        let uri = otpauth_uri("Vellum", "ann@example.com", b"foobar");
        assert!(uri.starts_with("otpauth://totp/Vellum:ann@example.com?secret=MZXW6YTBOI&issuer=Vellum"), "{uri}");
    }
}
