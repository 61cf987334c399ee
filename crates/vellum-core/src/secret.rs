//! Random secrets and their stored form (tokens are kept only as SHA-256 hashes).

use sha2::{Digest, Sha256};
use vellum_domain::ErrorCode;

use crate::{Error, Result};

/// 32 random bytes as hex, with a prefix that says what the secret is.
pub fn random_token(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::new(ErrorCode::Internal, format!("no randomness: {e}")))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// How a token is stored: it cannot be turned back into the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares secrets in constant time.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = random_token("vlm_").unwrap();
        let b = random_token("vlm_").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("vlm_") && a.len() == 68);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
