//! The platform's event cryptography: AES-256-CBC with a key derived from the Encrypt Key, and the
//! SHA-256 request signature. Both sides are here: receivers decrypt and verify, senders (the emulator,
//! tests) encrypt and sign with the same code.

use std::fmt;

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::credentials::SecretText;

type Decryptor = cbc::Decryptor<aes::Aes256>;
type Encryptor = cbc::Encryptor<aes::Aes256>;

/// AES's block size: the length of the initialisation vector that starts every ciphertext.
const BLOCK: usize = 16;

/// Why an `encrypt` field could not be decrypted. Never quotes the ciphertext or the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// The field is not base64.
    #[error("the ciphertext is not base64")]
    NotBase64,
    /// Too short to hold an initialisation vector and one block, or not whole blocks.
    #[error("the ciphertext has {0} bytes: not an initialisation vector followed by whole 16-byte blocks")]
    BadLength(usize),
    /// The padding is wrong: the Encrypt Key is not the one the sender used, or the text was altered.
    #[error("the plaintext's padding is wrong: a different Encrypt Key, or altered ciphertext")]
    BadPadding,
}

/// An app's Encrypt Key, ready to decrypt deliveries and check their signatures. `Debug` never shows it.
#[derive(Clone)]
pub struct EncryptKey {
    /// The key as configured: signatures are computed over it.
    text: SecretText,
    /// SHA-256 of the key: the AES-256 key.
    aes_key: [u8; 32],
}

impl EncryptKey {
    /// The Encrypt Key shown in the developer console (Events and callbacks → Encryption strategy).
    pub fn new(key: impl Into<SecretText>) -> Self {
        let text = key.into();
        let aes_key = Sha256::digest(text.expose_secret().as_bytes()).into();
        Self { text, aes_key }
    }

    /// Decrypts an `encrypt` field: base64 of a 16-byte initialisation vector and the AES-256-CBC
    /// ciphertext of the PKCS#7-padded plaintext.
    pub fn decrypt(&self, encrypted: &str) -> Result<Vec<u8>, DecryptError> {
        let bytes = STANDARD.decode(encrypted.trim()).map_err(|_| DecryptError::NotBase64)?;
        if bytes.len() < 2 * BLOCK || bytes.len() % BLOCK != 0 {
            return Err(DecryptError::BadLength(bytes.len()));
        }
        let (iv, ciphertext) = bytes.split_at(BLOCK);
        let decryptor =
            Decryptor::new_from_slices(&self.aes_key, iv).map_err(|_| DecryptError::BadLength(bytes.len()))?;
        decryptor
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(|_| DecryptError::BadPadding)
    }

    /// Encrypts `plaintext` as the platform does, with the given initialisation vector (a sender picks a
    /// random one per delivery).
    pub fn encrypt(&self, plaintext: &[u8], iv: [u8; BLOCK]) -> String {
        let encryptor = Encryptor::new(&self.aes_key.into(), &iv.into());
        let mut out = iv.to_vec();
        out.extend(encryptor.encrypt_padded_vec_mut::<Pkcs7>(plaintext));
        STANDARD.encode(out)
    }

    /// The `X-Lark-Signature` of a delivery: hex SHA-256 of timestamp, nonce, Encrypt Key and the raw body.
    pub fn signature(&self, timestamp: &str, nonce: &str, body: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(timestamp.as_bytes());
        hasher.update(nonce.as_bytes());
        hasher.update(self.text.expose_secret().as_bytes());
        hasher.update(body);
        format!("{:x}", hasher.finalize())
    }

    /// Whether `signature` is the delivery's, compared in constant time.
    pub fn signature_matches(&self, timestamp: &str, nonce: &str, body: &[u8], signature: &str) -> bool {
        let expected = self.signature(timestamp, nonce, body);
        expected
            .as_bytes()
            .ct_eq(signature.trim().to_ascii_lowercase().as_bytes())
            .into()
    }
}

impl fmt::Debug for EncryptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decrypts_the_reference_pages_example() {
        // The receiving-events page's example: "test key" and this ciphertext give "hello world".
        let key = EncryptKey::new("test key");
        let plain = key.decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=").unwrap();
        assert_eq!(plain, b"hello world");
    }

    #[test]
    fn encryption_round_trips_and_a_wrong_key_is_refused() {
        let key = EncryptKey::new("k1");
        let sealed = key.encrypt(br#"{"a":1}"#, [7; 16]);
        assert_eq!(key.decrypt(&sealed).unwrap(), br#"{"a":1}"#);
        assert_eq!(EncryptKey::new("k2").decrypt(&sealed), Err(DecryptError::BadPadding));
        assert_eq!(key.decrypt("not base64!"), Err(DecryptError::NotBase64));
        assert_eq!(key.decrypt(&sealed[..20]), Err(DecryptError::BadLength(15)));
        assert_eq!(
            key.decrypt(&STANDARD.encode([0u8; 24])),
            Err(DecryptError::BadLength(24))
        );
    }

    #[test]
    fn signatures_follow_the_pages_recipe() {
        let key = EncryptKey::new("key");
        let expected = format!("{:x}", Sha256::digest(b"1700000000nonce-1key{\"x\":1}"));
        assert_eq!(key.signature("1700000000", "nonce-1", br#"{"x":1}"#), expected);
        assert!(key.signature_matches("1700000000", "nonce-1", br#"{"x":1}"#, &expected.to_uppercase()));
        assert!(!key.signature_matches("1700000000", "nonce-2", br#"{"x":1}"#, &expected));
        assert_eq!(format!("{key:?}"), "EncryptKey(<redacted>)");
    }
}
