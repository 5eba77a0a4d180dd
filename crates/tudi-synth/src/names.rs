//! Names and codes: land-use classes of the 三调 classification,
//! administrative units, enterprise names and industries.

use super::rng::Rng;

/// `DLMC` (name) of a `DLBM` (land-use code) of the third national land
/// survey's classification.
pub fn dlmc(dlbm: &str) -> &'static str {
    match dlbm {
        "0101" => "水田",
        "0102" => "水浇地",
        "0103" => "旱地",
        "0201" => "果园",
        "0301" => "乔木林地",
        "0404" => "其他草地",
        "05H1" => "商业服务业设施用地",
        "0508" => "物流仓储用地",
        "0601" => "工业用地",
        "0602" => "采矿用地",
        "0701" => "城镇住宅用地",
        "0702" => "农村宅基地",
        "08H2" => "科教文卫用地",
        "0810" => "公园与绿地",
        "1003" => "公路用地",
        "1004" => "城镇村道路用地",
        "1006" => "农村道路",
        "1101" => "河流水面",
        "1104" => "坑塘水面",
        "1107" => "沟渠",
        "1202" => "设施农用地",
        _ => "",
    }
}

/// Xiuzhou's towns (镇) and sub-districts (街道). The 3-digit codes follow
/// the national rule (001–099 街道, 100–199 镇) but are this generator's
/// own assignment.
pub const XIUZHOU_TOWNSHIPS: [(&str, &str); 9] = [
    ("101", "新塍镇"),
    ("102", "王店镇"),
    ("103", "洪合镇"),
    ("104", "王江泾镇"),
    ("105", "油车港镇"),
    ("001", "新城街道"),
    ("002", "嘉北街道"),
    ("003", "塘汇街道"),
    ("004", "高照街道"),
];

/// Counties a very large synthetic district spills into (first Xiuzhou).
pub const COUNTIES: [&str; 8] = [
    "330411", "330402", "330421", "330424", "330481", "330482", "330483", "330401",
];

/// Counties (县级行政区) of a district of several, in order of use
/// (`tudi synth --counties N`): Jiaxing's, then Huzhou's and Shaoxing's.
pub const ZHEJIANG_COUNTIES: [(&str, &str); 15] = [
    ("330411", "秀洲区"),
    ("330402", "南湖区"),
    ("330421", "嘉善县"),
    ("330424", "海盐县"),
    ("330481", "海宁市"),
    ("330482", "平湖市"),
    ("330483", "桐乡市"),
    ("330502", "吴兴区"),
    ("330503", "南浔区"),
    ("330521", "德清县"),
    ("330522", "长兴县"),
    ("330523", "安吉县"),
    ("330602", "越城区"),
    ("330603", "柯桥区"),
    ("330604", "上虞区"),
];

const PLACE_FIRST: &[&str] = &[
    "洛", "东", "栖", "桃", "荷", "新", "杨", "庄", "陆", "钱", "南", "北", "塘", "湾", "虹", "永",
    "丰", "民", "建", "红", "联", "合", "星", "光", "明", "西", "田", "滨", "港", "凤", "龙", "梅",
    "竹", "秀", "金", "银", "朱", "沈", "陈", "吴", "徐", "顾", "姚", "濮", "蚂", "百", "双", "三",
    "八", "长", "高", "平", "雁", "溪", "泾", "虎", "鸭", "麟", "莲", "桑", "蚕", "渔", "横",
];
const PLACE_SECOND: &[&str] = &[
    "东", "西", "南", "北", "塘", "浜", "泾", "桥", "港", "湾", "兴", "丰", "家", "庄", "溪", "园",
    "河", "荡", "圩", "埭", "墩", "里", "安", "华", "星", "联", "林", "田", "新", "漾", "渡", "水",
];

/// A two-character place name not yet in `taken` (falls back to three
/// characters when the two-character names run out).
pub fn place_name(rng: &mut Rng, taken: &mut std::collections::HashSet<String>) -> String {
    for attempt in 0..400 {
        let mut s = String::new();
        s.push_str(rng.pick::<&str>(PLACE_FIRST));
        s.push_str(rng.pick::<&str>(PLACE_SECOND));
        if attempt > 200 {
            s.push_str(rng.pick::<&str>(PLACE_SECOND));
        }
        if s.chars().next() != s.chars().nth(1) && taken.insert(s.clone()) {
            return s;
        }
    }
    let mut n = taken.len();
    loop {
        let s = format!(
            "{}{}{}",
            PLACE_FIRST[n % PLACE_FIRST.len()],
            PLACE_SECOND[n % 32],
            n
        );
        if taken.insert(s.clone()) {
            return s;
        }
        n += 1;
    }
}

/// Brand syllables of enterprise names (字号).
const BRAND: &[&str] = &[
    "华", "新", "恒", "达", "鑫", "盛", "宏", "泰", "丰", "利", "源", "隆", "祥", "瑞", "嘉", "锦",
    "宇", "信", "诚", "永", "昌", "兴", "伟", "旺", "益", "通", "立", "凯", "佳", "捷", "富", "荣",
    "美", "力", "海", "天", "金", "明", "康", "正", "顺", "腾", "中", "良", "亿", "博", "安", "欣",
];

pub fn brand(rng: &mut Rng) -> String {
    let a = *rng.pick(BRAND);
    let mut b = *rng.pick(BRAND);
    while b == a {
        b = *rng.pick(BRAND);
    }
    format!("{a}{b}")
}

/// An industry: GB/T 4754-2017 class code, a trade word for names, and
/// whether it is one of the six key remediation industries (印染, 织造,
/// 化工, 化纤, 造纸, 平板玻璃).
#[derive(Clone, Copy, Debug)]
pub struct Industry {
    pub code: &'static str,
    pub word: &'static str,
    pub key: bool,
}

const fn ind(code: &'static str, word: &'static str, key: bool) -> Industry {
    Industry { code, word, key }
}

/// The six key industries.
pub const KEY_INDUSTRIES: &[(Industry, f64)] = &[
    (ind("1712", "棉纺织", true), 3.0),
    (ind("1713", "印染", true), 3.0),
    (ind("1722", "毛纺织", true), 1.0),
    (ind("1723", "毛染整", true), 0.6),
    (ind("1732", "麻纺织", true), 0.3),
    (ind("1733", "麻染整", true), 0.2),
    (ind("1742", "丝绸", true), 1.5),
    (ind("1743", "丝印染", true), 0.8),
    (ind("1751", "化纤织造", true), 6.0),
    (ind("1752", "化纤染整", true), 2.0),
    (ind("2614", "化工", true), 1.0),
    (ind("2641", "涂料", true), 0.8),
    (ind("2661", "化学试剂", true), 0.5),
    (ind("2669", "精细化工", true), 0.8),
    (ind("2822", "涤纶纤维", true), 1.5),
    (ind("2826", "氨纶", true), 0.5),
    (ind("2221", "纸业", true), 0.8),
    (ind("2223", "加工纸", true), 0.5),
    (ind("2231", "纸制品", true), 1.2),
    (ind("3041", "平板玻璃", true), 0.2),
];

/// Other manufacturing (C13–C43).
pub const OTHER_INDUSTRIES: &[(Industry, f64)] = &[
    (ind("1391", "淀粉制品", false), 0.5),
    (ind("1763", "针织品", false), 2.0),
    (ind("1810", "服装", false), 3.0),
    (ind("1820", "羊毛衫", false), 6.0),
    (ind("2110", "家具", false), 1.5),
    (ind("2319", "包装印刷", false), 1.5),
    (ind("2922", "塑料型材", false), 1.0),
    (ind("2927", "日用塑料制品", false), 1.2),
    (ind("2929", "塑料制品", false), 2.0),
    (ind("3021", "水泥制品", false), 0.6),
    (ind("3099", "新材料", false), 0.6),
    (ind("3311", "钢结构", false), 1.2),
    (ind("3360", "金属表面处理", false), 0.8),
    (ind("3484", "机械配件", false), 2.5),
    (ind("3489", "五金", false), 2.5),
    (ind("3670", "汽车配件", false), 1.5),
    (ind("3831", "电线电缆", false), 0.8),
    (ind("3982", "电子", false), 1.2),
    (ind("4190", "工艺品", false), 0.8),
];

/// The brick-and-tile industry of the clay pit (0602) enterprise.
pub const BRICKS: Industry = ind("3031", "新型墙材", false);

/// Draw an industry: a key industry with probability `key_share`.
pub fn industry(rng: &mut Rng, key_share: f64) -> Industry {
    let table = if rng.chance(key_share) {
        KEY_INDUSTRIES
    } else {
        OTHER_INDUSTRIES
    };
    let w: Vec<f64> = table.iter().map(|t| t.1).collect();
    table[rng.weighted(&w)].0
}
