//! The audit key: an Ed25519 key that signs checkpoints, and an HMAC key derived from it that
//! tags each event. Both live outside the database, so write access to the database is not
//! enough to forge either.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The secret half. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct AuditKey {
    signing: SigningKey,
    /// The HMAC already keyed with the tag key: each tag clones it instead of keying anew.
    tagger: Hmac<Sha256>,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.public().to_hex())
    }
}

/// The public half, which anyone may hold to check signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl AuditKey {
    /// A key from its 32-byte seed (random bytes when generated).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        // A separate key for tags, so a tag never doubles as anything a signature means.
        let tag_key: [u8; 32] = Sha256::new().chain_update(b"vellum-audit-tag/1").chain_update(seed).finalize().into();
        // An HMAC takes keys of any length, so keying cannot fail; the fallback is unreachable.
        let tagger =
            Hmac::<Sha256>::new_from_slice(&tag_key).unwrap_or_else(|_| Hmac::<Sha256>::new(&Default::default()));
        AuditKey { signing: SigningKey::from_bytes(&seed), tagger }
    }

    /// Parses the stored form: the seed as 64 hex digits (surrounding white space ignored).
    pub fn from_hex(s: &str) -> Result<Self, String> {
        let bytes = hex::decode(s.trim()).map_err(|_| "the audit key is not hex".to_string())?;
        let seed: [u8; 32] =
            bytes.try_into().map_err(|_| "the audit key must be 32 bytes (64 hex digits)".to_string())?;
        Ok(AuditKey::from_seed(seed))
    }

    /// The stored form (secret: write it only to a file only the server may read).
    pub fn to_hex(&self) -> String {
        hex::encode(self.signing.to_bytes())
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    /// Signs `message` (a checkpoint's canonical text); hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.signing.sign(message).to_bytes())
    }

    /// The tag of an event hash: HMAC-SHA256 under the tag key, hex.
    pub fn tag(&self, event_hash: &str) -> String {
        let mut mac = self.tagger.clone();
        mac.update(event_hash.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `tag` is this key's tag of `event_hash` (constant time).
    pub fn tag_matches(&self, event_hash: &str, tag: &str) -> bool {
        let Ok(bytes) = hex::decode(tag) else { return false };
        let mut mac = self.tagger.clone();
        mac.update(event_hash.as_bytes());
        mac.verify_slice(&bytes).is_ok()
    }
}

impl PublicKey {
    /// Parses 64 hex digits (surrounding white space ignored).
    pub fn from_hex(s: &str) -> Result<Self, String> {
        let bytes = hex::decode(s.trim()).map_err(|_| "the public key is not hex".to_string())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| "a public key is 32 bytes (64 hex digits)".to_string())?;
        VerifyingKey::from_bytes(&bytes).map(PublicKey).map_err(|_| "not an Ed25519 public key".to_string())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// Whether `signature` (hex) signs `message` under this key.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        let Ok(bytes) = hex::decode(signature) else { return false };
        let Ok(bytes) = <[u8; 64]>::try_from(bytes) else { return false };
        self.0.verify(message, &Signature::from_bytes(&bytes)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_sign() {
        let k = AuditKey::from_seed([7; 32]);
        let again = AuditKey::from_hex(&format!(" {}\n", k.to_hex())).unwrap();
        assert_eq!(k.public(), again.public());
        let sig = k.sign(b"hello");
        assert!(k.public().verifies(b"hello", &sig));
        assert!(!k.public().verifies(b"hellO", &sig));
        assert!(!AuditKey::from_seed([8; 32]).public().verifies(b"hello", &sig));
        assert_eq!(PublicKey::from_hex(&k.public().to_hex()).unwrap(), k.public());
        assert!(AuditKey::from_hex("abc").is_err());
        assert!(!format!("{k:?}").contains(&k.to_hex()));
    }

    #[test]
    fn tags_depend_on_the_key_and_the_hash() {
        let (a, b) = (AuditKey::from_seed([1; 32]), AuditKey::from_seed([2; 32]));
        let t = a.tag("abc");
        assert_eq!(t.len(), 64);
        assert!(a.tag_matches("abc", &t));
        assert!(!a.tag_matches("abd", &t));
        assert!(!b.tag_matches("abc", &t));
        assert!(!a.tag_matches("abc", "zz"));
    }
}
