//! Receipts: the reporter's only credential. 100 random bits written as 20 Crockford base32 symbols in
//! five hyphenated groups, read back leniently because people copy them by hand.
use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const SYMBOLS: usize = 20;
pub const ENTROPY_BYTES: usize = 13; // 104 bits drawn; the top 100 are used

/// A receipt in canonical form: 20 upper-case symbols, no separators.
#[derive(Clone, PartialEq, Eq)]
pub struct Receipt(String);

// Never print a receipt by accident (logs, panics): Debug hides it.
impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receipt(..)")
    }
}

impl Receipt {
    /// Build from random bytes supplied by the caller's CSPRNG.
    pub fn from_entropy(bytes: &[u8; ENTROPY_BYTES]) -> Receipt {
        Receipt(encode_bits(bytes, SYMBOLS))
    }

    /// Accepts any case, spaces and hyphens anywhere, and the usual confusions (O→0, I/L→1).
    pub fn parse(input: &str) -> Option<Receipt> {
        read_symbols(input, SYMBOLS).map(Receipt)
    }

    /// Canonical form, the input to the receipt MAC.
    pub fn canonical(&self) -> &str {
        &self.0
    }

    /// How it is shown to the reporter: XXXX-XXXX-XXXX-XXXX-XXXX.
    pub fn display(&self) -> String {
        grouped(&self.0)
    }
}

/// Public report ids: "R-" and 10 Crockford symbols (50 random bits); not sequential, not secret.
pub fn report_id(bytes: &[u8; 7]) -> String {
    format!("R-{}", encode_bits(bytes, 10))
}

/// `symbols` Crockford base32 symbols from the leading bits of `bytes` (which must hold enough).
pub(crate) fn encode_bits(bytes: &[u8], symbols: usize) -> String {
    let mut out = String::with_capacity(symbols);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut iter = bytes.iter();
    while out.len() < symbols {
        if bits < 5 {
            acc = (acc << 8) | u32::from(*iter.next().expect("enough entropy bytes"));
            bits += 8;
        }
        bits -= 5;
        out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
    }
    out
}

/// Exactly `symbols` Crockford symbols read from text a person typed: any case, spaces and hyphens
/// anywhere, and the usual confusions (O→0, I/L→1); canonical (upper case, no separators).
pub(crate) fn read_symbols(input: &str, symbols: usize) -> Option<String> {
    let mut out = String::with_capacity(symbols);
    for c in input.chars() {
        if c == '-' || c.is_whitespace() {
            continue;
        }
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
        if out.len() > symbols {
            return None;
        }
    }
    (out.len() == symbols).then_some(out)
}

/// Canonical symbols shown in groups of four: XXXX-XXXX-….
pub(crate) fn grouped(canonical: &str) -> String {
    canonical
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let r = Receipt::from_entropy(&[0xA5; ENTROPY_BYTES]);
        let shown = r.display();
        assert_eq!(shown.len(), 24);
        assert_eq!(shown.matches('-').count(), 4);
        assert_eq!(Receipt::parse(&shown), Some(r.clone()));
        assert_eq!(
            Receipt::parse(&shown.to_lowercase().replace('-', " ")),
            Some(r)
        );
    }

    #[test]
    fn confusable_symbols_are_mapped() {
        let a = Receipt::parse("0000-1111-2222-3333-4444").unwrap();
        assert_eq!(Receipt::parse("oOoO-iIlL-2222-3333-4444"), Some(a));
    }

    #[test]
    fn wrong_length_or_symbols_are_rejected() {
        assert!(Receipt::parse("0000-1111-2222-3333-444").is_none());
        assert!(Receipt::parse("0000-1111-2222-3333-44444").is_none());
        assert!(Receipt::parse("UUUU-1111-2222-3333-4444").is_none());
        assert!(Receipt::parse("").is_none());
        assert!(Receipt::parse("０000-1111-2222-3333-4444").is_none());
    }

    #[test]
    fn all_bits_reach_the_symbols() {
        let a = Receipt::from_entropy(&[0; ENTROPY_BYTES]);
        let mut last = [0; ENTROPY_BYTES];
        last[12] = 0xF0; // bits 97..100 land in the last symbol
        assert_ne!(a, Receipt::from_entropy(&last));
        assert!(report_id(&[1; 7]).starts_with("R-"));
        assert_eq!(report_id(&[1; 7]).len(), 12);
    }
}
