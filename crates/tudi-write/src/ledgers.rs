//! `ledgers.xlsx`: the ledgers planners keep in Excel, one sheet each —
//! 整治对象台账 (targets), 零散地块, 小微园, 腾退核查, 目标进度,
//! 乡镇汇总 — with the header row frozen, an autofilter, set column
//! widths, numbers as numbers with fixed decimals and dates as dates; in
//! the run's language throughout (sheet names, headers, every label).
//! The file's creation time is the report date, so the same inputs give
//! the same bytes.

use rayon::prelude::*;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use tudi_core::date::Date;
use tudi_core::geodesy::m2_to_mu;
use tudi_core::model::Progress;
use tudi_core::outcome::Outcome;
use tudi_core::vocab::{self, Lang, Term};

use super::land::vacated_check_rows;

/// One cell of a ledger.
enum Cell {
    Text(String),
    /// A number shown with a fixed number format.
    Num(f64, Num),
    Int(i64),
    Date(Date),
    Empty,
}

#[derive(Clone, Copy)]
enum Num {
    /// mu, FAR, 万元: two decimals.
    Two,
    /// m²: no decimals, thousands separated.
    Area,
    /// A share shown as a percentage with one decimal.
    Percent,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt_num(v: Option<f64>, n: Num) -> Cell {
    v.map_or(Cell::Empty, |v| Cell::Num(v, n))
}

/// A sheet: its name, its columns (title and width in characters) and rows.
struct Sheet {
    name: Term,
    columns: Vec<(Term, f64)>,
    rows: Vec<Vec<Cell>>,
}

/// A column title.
const fn col(zh: &'static str, en: &'static str, width: f64) -> (Term, f64) {
    (Term::new(zh, en), width)
}

struct Formats {
    header: Format,
    two: Format,
    area: Format,
    percent: Format,
    int: Format,
    date: Format,
}

fn formats() -> Formats {
    Formats {
        header: Format::new()
            .set_bold()
            .set_background_color("#DDEBF7")
            .set_border_bottom(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        two: Format::new().set_num_format("0.00"),
        area: Format::new().set_num_format("#,##0"),
        percent: Format::new().set_num_format("0.0%"),
        int: Format::new().set_num_format("0"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
    }
}

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year as u16, d.month as u8, d.day as u8)
}

fn write_sheet(
    ws: &mut Worksheet,
    sheet: &Sheet,
    f: &Formats,
    lang: Lang,
) -> Result<(), XlsxError> {
    ws.set_name(sheet.name.get(lang))?;
    for (c, (title, width)) in sheet.columns.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, title.get(lang), &f.header)?;
        ws.set_column_width(c, *width)?;
    }
    ws.set_row_height(0, 30)?;
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) if !s.is_empty() => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Num(v, n) if v.is_finite() => {
                    let format = match n {
                        Num::Two => &f.two,
                        Num::Area => &f.area,
                        Num::Percent => &f.percent,
                    };
                    ws.write_number_with_format(r, c, *v, format)?;
                }
                Cell::Int(i) => {
                    ws.write_number_with_format(r, c, *i as f64, &f.int)?;
                }
                Cell::Date(d) => {
                    ws.write_date_with_format(r, c, &excel_date(*d)?, &f.date)?;
                }
                _ => {}
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let last_col = sheet.columns.len().saturating_sub(1) as u16;
    ws.autofilter(0, 0, sheet.rows.len() as u32, last_col)?;
    Ok(())
}

fn township_name(o: &Outcome, code: Option<&str>) -> String {
    match code {
        Some(c) => o
            .township_names
            .get(c)
            .cloned()
            .unwrap_or_else(|| c.to_string()),
        None => String::new(),
    }
}

fn sheets(o: &Outcome, lang: Lang) -> Vec<Sheet> {
    let parcels = &o.model.parcels;
    let rules = &o.project.rules;
    let ents = &o.model.enterprises;
    let word = |t: Term| text(t.get(lang));
    let yes_no = |b: bool| word(vocab::yes_no(b));

    let targets = Sheet {
        name: Term::new("整治对象台账", "Targets"),
        columns: vec![
            col("企业名称", "Name", 28.0),
            col("统一社会信用代码", "Credit code", 22.0),
            col("乡镇（街道）", "Township", 12.0),
            col("村", "Village", 10.0),
            col("所在图斑", "Parcel", 12.0),
            col("地类", "Land use", 6.0),
            col("用地面积（亩）", "Land (mu)", 10.0),
            col("亩均税收（万元/亩）", "Tax per mu (10k yuan)", 10.0),
            col("历年亩均等级", "Grades by year", 10.0),
            col("整治类别", "Target groups", 24.0),
            col("处置方式", "Disposition", 10.0),
            col("销号期限", "Deadline", 11.0),
            col("整治状态", "Status", 8.0),
            col("是否逾期", "Overdue", 8.0),
            col("重复行号", "Duplicate rows", 10.0),
        ],
        rows: ents
            .iter()
            .zip(&o.assessments)
            .enumerate()
            .filter(|(_, (_, a))| a.is_target())
            .map(|(k, (e, a))| {
                let parcel = a.parcel.map(|p| &parcels[p]);
                let groups: Vec<&str> = a
                    .groups
                    .iter()
                    .map(|&g| rules.target[g].label(lang))
                    .collect();
                let grades: Vec<String> = e.grades.iter().map(|g| g.letter().to_string()).collect();
                vec![
                    text(e.name.clone()),
                    text(e.credit_code.clone()),
                    text(township_name(o, o.enterprise_township[k].as_deref())),
                    text(parcel.and_then(|p| p.village.clone()).unwrap_or_default()),
                    text(parcel.map(|p| p.id.clone()).unwrap_or_default()),
                    text(parcel.map(|p| p.landuse.clone()).unwrap_or_default()),
                    opt_num(a.land_mu, Num::Two),
                    opt_num(a.tax_per_mu, Num::Two),
                    text(grades.join(",")),
                    text(groups.join(lang.pick("；", "; "))),
                    a.disposition.map_or(Cell::Empty, |d| word(d.term())),
                    e.deadline.map_or(Cell::Empty, Cell::Date),
                    // a target without a status is still to be done
                    word(e.status.unwrap_or(Progress::Planned).enterprise_term()),
                    yes_no(o.targets.overdue.binary_search(&k).is_ok()),
                    text(
                        a.duplicate_rows
                            .iter()
                            .map(usize::to_string)
                            .collect::<Vec<_>>()
                            .join(lang.pick("、", ", ")),
                    ),
                ]
            })
            .collect(),
    };

    let scattered = Sheet {
        name: Term::new("零散地块", "Scattered plots"),
        columns: vec![
            col("图斑标识码", "Parcel", 14.0),
            col("地类编码", "Land use", 8.0),
            col("乡镇（街道）", "Township", 12.0),
            col("坐落单位", "Village", 12.0),
            col("面积（亩）", "Area (mu)", 10.0),
            col("地块群编号", "Block", 10.0),
            col("地块群面积（亩）", "Block area (mu)", 12.0),
            col("容积率", "FAR", 8.0),
        ],
        rows: (0..parcels.len())
            .filter(|&i| o.blocks.scattered[i])
            .map(|i| {
                let p = &parcels[i];
                let b = o.blocks.block_of[i].expect("scattered parcels are industrial");
                vec![
                    text(p.id.clone()),
                    text(p.landuse.clone()),
                    text(township_name(o, p.township())),
                    text(p.village.clone().unwrap_or_default()),
                    Cell::Num(m2_to_mu(p.area_m2), Num::Two),
                    Cell::Int(o.blocks.blocks[b].id as i64),
                    Cell::Num(m2_to_mu(o.blocks.blocks[b].area_m2), Num::Two),
                    opt_num(
                        o.far.parcels.get(i).and_then(|d| d.map(|d| d.far())),
                        Num::Two,
                    ),
                ]
            })
            .collect(),
    };

    let park_list = o.model.parks.as_deref().unwrap_or(&[]);
    let known = o.model.buildings.is_some();
    let parks = Sheet {
        name: Term::new("小微园", "Parks"),
        columns: vec![
            col("园区名称", "Park", 22.0),
            col("乡镇（街道）", "Township", 12.0),
            col("星级", "Stars", 6.0),
            col("评价等级", "Grade", 8.0),
            col("建成年份", "Opened", 8.0),
            col("用地面积（亩）", "Land (mu)", 10.0),
            col("建筑面积（㎡）", "Floor area (m²)", 12.0),
            col("容积率", "FAR", 8.0),
            col("建筑密度", "Building density", 8.0),
            col("楼栋数", "Buildings", 7.0),
            col("入园企业数", "Firms", 9.0),
            col("亩均税收（万元/亩）", "Tax per mu (10k yuan)", 10.0),
            col("容积率低于下限", "FAR under minimum", 10.0),
        ],
        rows: park_list
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let s = &o.far.parks[k];
                vec![
                    text(p.name.clone()),
                    text(township_name(o, o.park_township[k].as_deref())),
                    p.star.map_or(Cell::Empty, |s| Cell::Int(s.into())),
                    text(p.grade.map(|g| g.letter().to_string()).unwrap_or_default()),
                    p.opened.map_or(Cell::Empty, |y| Cell::Int(y.into())),
                    Cell::Num(m2_to_mu(p.area_m2), Num::Two),
                    opt_num(known.then_some(s.density.floor_area_m2), Num::Area),
                    opt_num(known.then(|| s.density.far()), Num::Two),
                    opt_num(known.then(|| s.density.coverage()), Num::Percent),
                    Cell::Int(s.density.buildings as i64),
                    Cell::Int(s.enterprises.len() as i64),
                    opt_num(s.tax_per_mu, Num::Two),
                    yes_no(s.far_below_min),
                ]
            })
            .collect(),
    };

    let checks = Sheet {
        name: Term::new("腾退核查", "Vacated-land checks"),
        columns: vec![
            col("核查项", "Check", 14.0),
            col("腾退编号", "Record", 14.0),
            col("状态", "Status", 10.0),
            col("关联（记录/企业）", "Other record or firm", 22.0),
            col("数值", "Value", 10.0),
            col("单位", "Unit", 6.0),
            col("说明", "Detail", 44.0),
        ],
        rows: vacated_check_rows(o)
            .into_iter()
            .map(|r| {
                // percentages as Excel percentages, which say their unit
                let percent = r.unit == Some(vocab::PERCENT);
                vec![
                    word(r.check.term()),
                    text(r.record),
                    word(r.status.vacated_term()),
                    text(r.other),
                    if percent {
                        opt_num(r.value.map(|v| v / 100.0), Num::Percent)
                    } else {
                        opt_num(r.value, Num::Two)
                    },
                    r.unit.filter(|_| !percent).map_or(Cell::Empty, word),
                    text(vocab::check_detail(&r.detail, lang)),
                ]
            })
            .collect(),
    };

    let mut progress_rows: Vec<Vec<Cell>> = o
        .targets
        .district
        .iter()
        .map(|&(goal, s)| {
            vec![
                word(vocab::DISTRICT),
                word(goal.term()),
                word(goal.unit()),
                Cell::Num(s.target, Num::Two),
                opt_num(s.achieved, Num::Two),
                opt_num(s.progress, Num::Percent),
            ]
        })
        .collect();
    for (code, list) in &o.targets.townships {
        for &(goal, s) in list {
            progress_rows.push(vec![
                text(township_name(o, Some(code))),
                word(goal.term()),
                word(goal.unit()),
                Cell::Num(s.target, Num::Two),
                opt_num(s.achieved, Num::Two),
                opt_num(s.progress, Num::Percent),
            ]);
        }
    }
    let progress = Sheet {
        name: Term::new("目标进度", "Goals"),
        columns: vec![
            col("范围", "Scope", 12.0),
            col("目标", "Goal", 24.0),
            col("单位", "Unit", 8.0),
            col("目标值", "Target", 12.0),
            col("完成值", "Achieved", 12.0),
            col("完成进度", "Progress", 10.0),
        ],
        rows: progress_rows,
    };

    let townships = Sheet {
        name: Term::new("乡镇汇总", "Townships"),
        columns: vec![
            col("乡镇代码", "Code", 11.0),
            col("乡镇（街道）", "Township", 12.0),
            col("图斑数", "Parcels", 8.0),
            col("面积（亩）", "Area (mu)", 11.0),
            col("工业图斑", "Industrial parcels", 8.0),
            col("零散地块", "Scattered plots", 8.0),
            col("零散面积（亩）", "Scattered (mu)", 10.0),
            col("企业数", "Firms", 7.0),
            col("整治对象", "Targets", 8.0),
            col("已销号", "Done", 7.0),
            col("逾期", "Overdue", 6.0),
            col("小微园", "Parks", 7.0),
            col("园区用地（亩）", "Park land (mu)", 10.0),
            col("腾退记录", "Vacated records", 8.0),
            col("腾退面积（亩）", "Vacated (mu)", 10.0),
            col("有效面积（亩）", "Effective (mu)", 10.0),
            col("计划腾退（亩）", "Planned (mu)", 10.0),
            col("腾退中（亩）", "Vacating (mu)", 10.0),
            col("腾退目标（亩）", "Vacated goal (mu)", 10.0),
            col("腾退进度", "Vacated progress", 9.0),
        ],
        rows: o
            .townships
            .iter()
            .map(|t| {
                let n = |v: usize| Cell::Int(v as i64);
                let vmu = |f: fn(&tudi_core::analysis::vacated::TownshipVacated) -> f64| {
                    t.vacated.as_ref().map(|v| m2_to_mu(f(v)))
                };
                vec![
                    text(t.code.clone()),
                    text(t.label(lang)),
                    n(t.parcels),
                    Cell::Num(m2_to_mu(t.area_m2), Num::Two),
                    n(t.industrial_parcels),
                    n(t.scattered_parcels),
                    Cell::Num(m2_to_mu(t.scattered_m2), Num::Two),
                    n(t.enterprises),
                    n(t.targets),
                    n(t.targets_done),
                    n(t.overdue),
                    n(t.parks),
                    Cell::Num(m2_to_mu(t.park_land_m2), Num::Two),
                    n(t.vacated_records()),
                    opt_num(vmu(|v| v.gross_m2), Num::Two),
                    opt_num(vmu(|v| v.effective_m2), Num::Two),
                    opt_num(vmu(|v| v.planned_m2), Num::Two),
                    opt_num(vmu(|v| v.in_progress_m2), Num::Two),
                    opt_num(t.vacated_target_mu, Num::Two),
                    opt_num(t.vacated_progress(), Num::Percent),
                ]
            })
            .collect(),
    };

    vec![targets, scattered, parks, checks, progress, townships]
}

/// The workbook's bytes.
pub fn ledgers(o: &Outcome, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = excel_date(o.as_of)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "{} {}",
                o.project.project.name,
                lang.pick("整治台账", "remediation ledgers")
            ))
            .set_author("tudi")
            .set_creation_datetime(&created),
    );
    // Sheets are filled side by side (the target ledger alone has a row
    // per target), then handed to the workbook in order.
    let f = formats();
    let filled: Vec<Result<Worksheet, XlsxError>> = sheets(o, lang)
        .into_par_iter()
        .map(|sheet| {
            let mut ws = Worksheet::new();
            write_sheet(&mut ws, &sheet, &f, lang)?;
            Ok(ws)
        })
        .collect();
    for ws in filled {
        wb.push_worksheet(ws?);
    }
    wb.save_to_buffer()
}
