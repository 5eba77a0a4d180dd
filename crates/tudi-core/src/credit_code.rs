//! The 18-character unified social credit code (统一社会信用代码,
//! GB 32100-2015) that identifies every registered enterprise, individual
//! business and institution in China.
//!
//! Layout: registration authority (1 char, `9` = market regulation), kind
//! (1 char: `1` enterprise, `2` individual business, `3` farmers'
//! co-operative), the 6-digit administrative division of registration, the
//! 9-character organisation code (GB 11714) and one check character. The
//! characters come from a 31-letter alphabet (digits and the capitals
//! without I, O, S, V, Z); the check character is
//! `(31 − Σ value(cᵢ)·wᵢ mod 31) mod 31` over the first 17.

/// The code alphabet; a character's value is its index. 31 characters:
/// the digits and the 21 capitals other than I, O, S, V and Z (note the
/// `M`, which every newer organisation code starts with, as in `MA2…`).
pub(crate) const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17 (3^(i−1) mod 31).
pub(crate) const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Value of one code character (upper case expected), or `None` when it is
/// not in the alphabet.
pub(crate) fn char_value(c: char) -> Option<u32> {
    if !c.is_ascii() {
        return None;
    }
    CHARSET.iter().position(|&b| b == c as u8).map(|i| i as u32)
}

/// The check character for the first 17 characters of a code, or `None`
/// when `first17` is not 17 characters of the alphabet. Lower-case letters
/// are accepted; surrounding whitespace is not.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut n = 0;
    for (i, c) in first17.chars().enumerate() {
        if i >= 17 {
            return None;
        }
        sum += char_value(c.to_ascii_uppercase())? * WEIGHTS[i];
        n += 1;
    }
    if n != 17 {
        return None;
    }
    let check = (31 - sum % 31) % 31;
    Some(CHARSET[check as usize] as char)
}

/// True when `code` (surrounding whitespace trimmed, case ignored) is 18
/// characters of the alphabet whose last is the right check character.
///
/// ```
/// use tudi_core::credit_code::{check_char, is_valid};
/// // Alibaba (China) Network Technology Co., as published.
/// assert!(is_valid("91330100716105852F"));
/// assert!(is_valid(" 91330100716105852f ")); // trimmed, any case
/// assert!(!is_valid("91330100716105852G")); // wrong check character
/// assert_eq!(check_char("91330100716105852"), Some('F'));
/// // Any 17 characters of the alphabet can be completed into a valid code.
/// let body = "91330411MA2B00001";
/// let code = format!("{body}{}", check_char(body).unwrap());
/// assert!(is_valid(&code));
/// assert!(!is_valid(&code.replace("MA2B", "MA2C")));
/// ```
pub fn is_valid(code: &str) -> bool {
    let code = code.trim().to_ascii_uppercase();
    if code.len() != 18 || !code.is_ascii() {
        return false;
    }
    let (body, last) = code.split_at(17);
    match check_char(body) {
        Some(c) => last.starts_with(c),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes of well-known companies, as published on the national enterprise
    /// credit information publicity system and printed in their annual
    /// reports and prospectuses (public information). Each passes the
    /// GB 32100 check; a misremembered code would pass only by a 1-in-31
    /// chance.
    const PUBLIC: &[(&str, &str)] = &[
        ("914403001922038216", "华为技术有限公司"),
        ("9144030071526726XG", "腾讯科技(深圳)有限公司"),
        ("91440300192317458F", "比亚迪股份有限公司"),
        ("91520000214434146R", "贵州茅台酒股份有限公司"),
        ("91110108551385082Q", "小米科技有限责任公司"),
        ("91330100716105852F", "阿里巴巴(中国)网络技术有限公司"),
    ];

    #[test]
    fn published_codes_pass() {
        for (code, who) in PUBLIC {
            assert!(is_valid(code), "{code} ({who}) should be valid");
            assert_eq!(
                check_char(&code[..17]),
                code.chars().nth(17),
                "{who}: check character"
            );
        }
    }

    #[test]
    fn whitespace_and_case_are_forgiven() {
        assert!(is_valid("  9144030071526726xg\t"));
        assert!(is_valid("914403001922038216\n"));
    }

    #[test]
    fn mutations_fail() {
        for (code, _) in PUBLIC {
            let chars: Vec<char> = code.chars().collect();
            // Every single-character substitution is caught (weights are
            // units mod 31, so no substitution keeps the sum).
            for i in 0..18 {
                for &b in CHARSET.iter() {
                    let c = b as char;
                    if c == chars[i] {
                        continue;
                    }
                    let mut m = chars.clone();
                    m[i] = c;
                    let m: String = m.into_iter().collect();
                    assert!(!is_valid(&m), "{m} (from {code}) should fail");
                }
            }
            // Swapping two different adjacent characters is caught.
            for i in 0..17 {
                if chars[i] == chars[i + 1] {
                    continue;
                }
                let mut m = chars.clone();
                m.swap(i, i + 1);
                let m: String = m.into_iter().collect();
                assert!(!is_valid(&m), "{m} (swap of {code}) should fail");
            }
            // Wrong length, letters outside the alphabet.
            assert!(!is_valid(&code[..17]));
            assert!(!is_valid(&format!("{code}0")));
            let with_o: String = code.replacen('0', "O", 1);
            if with_o != *code {
                assert!(!is_valid(&with_o));
            }
        }
        assert!(!is_valid(""));
        assert!(!is_valid("91330411MA2B1234IX"));
        assert!(!is_valid("９１４４０３００１９２２０３８２１６"));
        assert_eq!(check_char("1234"), None);
        assert_eq!(check_char("91330411MA2B1234S"), None);
    }
}
