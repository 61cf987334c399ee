//! The identity provider's signing keys (a JWK set) and checking a JWS signature with one:
//! RSA (RS256/384/512, PS256/384/512), ECDSA (ES256, ES384) and Ed25519 (EdDSA). Symmetric
//! and unsigned tokens are refused.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;
use vellum_domain::oidc::Jws;

/// One public key of a JWK set (RFC 7517); fields a key type does not use stay empty.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub alg: Option<String>,
    #[serde(default, rename = "use")]
    pub usage: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
    #[serde(default)]
    pub crv: Option<String>,
    #[serde(default)]
    pub x: Option<String>,
    #[serde(default)]
    pub y: Option<String>,
}

/// A JWK set as published at `jwks_uri`.
#[derive(Debug, Clone, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// The key type an algorithm needs.
fn key_type(alg: &str) -> Option<&'static str> {
    match alg {
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => Some("RSA"),
        "ES256" | "ES384" => Some("EC"),
        "EdDSA" => Some("OKP"),
        _ => None,
    }
}

/// The key of `keys` that may check a token signed with `alg` under `kid`: the one with that
/// id, or (without an id) the only signing key of the right type.
pub fn select<'k>(keys: &'k [Jwk], alg: &str, kid: Option<&str>) -> Option<&'k Jwk> {
    let kty = key_type(alg)?;
    let usable = |k: &&Jwk| {
        k.kty == kty && k.usage.as_deref().is_none_or(|u| u == "sig") && k.alg.as_deref().is_none_or(|a| a == alg)
    };
    match kid {
        Some(kid) => keys.iter().filter(usable).find(|k| k.kid.as_deref() == Some(kid)),
        None => {
            let mut candidates = keys.iter().filter(usable);
            let only = candidates.next()?;
            candidates.next().is_none().then_some(only)
        }
    }
}

fn bytes(field: &Option<String>, name: &str) -> Result<Vec<u8>, String> {
    let v = field.as_deref().ok_or_else(|| format!("the key has no {name}"))?;
    URL_SAFE_NO_PAD.decode(v).map_err(|_| format!("the key's {name} is not base64url"))
}

/// Checks the signature of `jws` with `key`.
pub fn verify(jws: &Jws, key: &Jwk) -> Result<(), String> {
    let message = jws.signing_input.as_bytes();
    let sig = jws.signature.as_slice();
    let bad = |_| "the ID token's signature does not verify".to_string();
    match jws.alg.as_str() {
        alg @ ("RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512") => {
            let params: &signature::RsaParameters = match alg {
                "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
                "RS512" => &signature::RSA_PKCS1_2048_8192_SHA512,
                "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
                "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
                _ => &signature::RSA_PSS_2048_8192_SHA512,
            };
            let (n, e) = (bytes(&key.n, "modulus (n)")?, bytes(&key.e, "exponent (e)")?);
            RsaPublicKeyComponents { n: &n, e: &e }.verify(params, message, sig).map_err(bad)
        }
        alg @ ("ES256" | "ES384") => {
            let (curve, params): (&str, &'static signature::EcdsaVerificationAlgorithm) = if alg == "ES256" {
                ("P-256", &signature::ECDSA_P256_SHA256_FIXED)
            } else {
                ("P-384", &signature::ECDSA_P384_SHA384_FIXED)
            };
            if key.crv.as_deref() != Some(curve) {
                return Err(format!("the key is not on curve {curve}"));
            }
            let mut point = vec![4u8];
            point.extend(bytes(&key.x, "x")?);
            point.extend(bytes(&key.y, "y")?);
            UnparsedPublicKey::new(params, point).verify(message, sig).map_err(bad)
        }
        "EdDSA" => {
            if key.crv.as_deref() != Some("Ed25519") {
                return Err("only Ed25519 EdDSA keys are supported".into());
            }
            UnparsedPublicKey::new(&signature::ED25519, bytes(&key.x, "x")?).verify(message, sig).map_err(bad)
        }
        other => Err(format!("ID tokens signed with {other} are not accepted (use RS256, PS256, ES256 or EdDSA)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::{
        rand::SystemRandom,
        signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING},
    };
    use serde_json::json;
    use vellum_domain::oidc::parse_jws;

    fn b64(v: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    fn es256() -> (EcdsaKeyPair, Jwk) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let public = pair.public_key().as_ref().to_vec();
        let jwk: Jwk = serde_json::from_value(json!({"kty": "EC", "crv": "P-256", "kid": "ec-1", "use": "sig",
            "x": b64(&public[1..33]), "y": b64(&public[33..65])}))
        .unwrap();
        (pair, jwk)
    }

    fn signed(header: serde_json::Value, claims: serde_json::Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        format!("{input}.{}", b64(sign(input.as_bytes())))
    }

    #[test]
    fn an_es256_signature_verifies_and_any_change_breaks_it() {
        let (pair, jwk) = es256();
        let rng = SystemRandom::new();
        let sign = |m: &[u8]| pair.sign(&rng, m).unwrap().as_ref().to_vec();
        let token = signed(json!({"alg": "ES256", "kid": "ec-1"}), json!({"sub": "ana"}), sign);
        let jws = parse_jws(&token).unwrap();
        assert_eq!(verify(&jws, &jwk), Ok(()));

        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = b64(json!({"sub": "mallory"}).to_string());
        parts[1] = &forged;
        assert!(verify(&parse_jws(&parts.join(".")).unwrap(), &jwk).unwrap_err().contains("does not verify"));

        let (_, other) = es256();
        assert!(verify(&jws, &other).is_err());
    }

    #[test]
    fn an_ed25519_signature_verifies() {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let jwk: Jwk =
            serde_json::from_value(json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref())}))
                .unwrap();
        let token = signed(json!({"alg": "EdDSA"}), json!({"sub": "ana"}), |m| pair.sign(m).as_ref().to_vec());
        assert_eq!(verify(&parse_jws(&token).unwrap(), &jwk), Ok(()));
    }

    #[test]
    fn symmetric_algorithms_are_refused() {
        let (_, jwk) = es256();
        let token = signed(json!({"alg": "HS256"}), json!({"sub": "ana"}), |_| b"mac".to_vec());
        assert!(verify(&parse_jws(&token).unwrap(), &jwk).unwrap_err().contains("not accepted"));
    }

    #[test]
    fn keys_are_chosen_by_id_type_use_and_algorithm() {
        let key = |v: serde_json::Value| serde_json::from_value::<Jwk>(v).unwrap();
        let keys = vec![
            key(json!({"kty": "RSA", "kid": "r1", "n": "AQ", "e": "AQAB"})),
            key(json!({"kty": "RSA", "kid": "r2", "use": "enc", "n": "AQ", "e": "AQAB"})),
            key(json!({"kty": "RSA", "kid": "r3", "alg": "PS256", "n": "AQ", "e": "AQAB"})),
            key(json!({"kty": "EC", "kid": "e1", "crv": "P-256", "x": "AQ", "y": "AQ"})),
        ];
        assert_eq!(select(&keys, "RS256", Some("r1")).and_then(|k| k.kid.as_deref()), Some("r1"));
        assert!(select(&keys, "RS256", Some("r2")).is_none(), "an encryption key does not check signatures");
        assert!(select(&keys, "RS256", Some("r3")).is_none(), "a key bound to another algorithm");
        assert!(select(&keys, "RS256", Some("e1")).is_none(), "a key of another type");
        assert!(select(&keys, "RS256", Some("unknown")).is_none());
        assert_eq!(select(&keys, "ES256", None).and_then(|k| k.kid.as_deref()), Some("e1"));
        assert_eq!(select(&keys, "RS256", None).and_then(|k| k.kid.as_deref()), Some("r1"));
        assert!(select(&keys, "PS256", None).is_none(), "two usable RSA keys and no kid: ambiguous");
        assert!(select(&keys, "HS256", None).is_none());
    }
}
