//! Encoding names, as the project file and `.cpg` files give them.

use encoding_rs::Encoding;

use crate::error::{Location, Problem};

/// The encoding a name stands for: any WHATWG label (`GBK`, `gb18030`,
/// `utf-8`, `big5`, `windows-1252`…), plus the code-page names of GDAL's
/// `.cpg` files and Windows (`CP936`, `936`).
pub fn encoding(name: &str) -> Option<&'static Encoding> {
    let name = name.trim();
    let digits = name
        .strip_prefix("CP")
        .or_else(|| name.strip_prefix("cp"))
        .unwrap_or(name);
    let code_page = match digits {
        "936" => Some("gbk"),
        "54936" => Some("gb18030"),
        "950" => Some("big5"),
        "932" => Some("shift_jis"),
        "949" => Some("euc-kr"),
        "65001" => Some("utf-8"),
        _ => None,
    };
    Encoding::for_label_no_replacement(code_page.unwrap_or(name).as_bytes())
}

/// The names listed when an encoding is not known.
pub(crate) const KNOWN: &str = "UTF-8, GBK (CP936), GB18030, GB2312, Big5 (CP950), Shift_JIS, EUC-JP, EUC-KR, UTF-16LE, UTF-16BE, windows-1250 to windows-1258, ISO-8859-2 to ISO-8859-16, KOI8-R, KOI8-U, IBM866, macintosh (or any other label of the WHATWG Encoding Standard)";

/// The problem with an encoding name, if it is not known; `at` names the
/// project-file key.
pub(crate) fn check_name(name: &str, at: &Location) -> Option<Problem> {
    encoding(name).is_none().then(|| Problem {
        at: at.clone(),
        message: format!("unknown encoding '{name}'; known encodings: {KNOWN}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_whatwg_gdal_and_windows_spell_them() {
        for name in ["GBK", "gbk", "CP936", "936", "gb2312", " GBK "] {
            assert_eq!(encoding(name), Some(encoding_rs::GBK), "{name}");
        }
        assert_eq!(encoding("GB18030"), Some(encoding_rs::GB18030));
        assert_eq!(encoding("utf8"), Some(encoding_rs::UTF_8));
        assert_eq!(encoding("big5"), Some(encoding_rs::BIG5));
        assert_eq!(encoding("GBKK"), None);
        assert_eq!(encoding("CP9360"), None);
        let p = check_name(
            "GBKK",
            &Location::file("p.toml").field("layers.parcels.encoding"),
        )
        .unwrap();
        assert!(p.to_string().contains("field layers.parcels.encoding: unknown encoding 'GBKK'; known encodings: UTF-8, GBK"), "{p}");
    }
}
