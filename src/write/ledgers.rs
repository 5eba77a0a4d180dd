//! `ledgers.xlsx`: the ledgers planners keep in Excel, one sheet each —
//! 整治对象台账 (targets), 零散地块, 小微园, 腾退核查, 目标进度,
//! 乡镇汇总 — with the header row frozen, an autofilter, set column
//! widths, numbers as numbers with fixed decimals and dates as dates.
//! The file's creation time is the report date, so the same inputs give
//! the same bytes.

use rayon::prelude::*;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::date::Date;
use crate::geodesy::m2_to_mu;
use crate::model::Progress;
use crate::pipeline::Outcome;

use super::land::vacated_check_rows;
use super::palette::disposition_label;
use super::report::Lang;

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

fn yes_no(b: bool) -> Cell {
    text(if b { "是" } else { "否" })
}

/// A sheet: its name, its columns (title and width in characters) and rows.
struct Sheet {
    name: &'static str,
    columns: Vec<(&'static str, f64)>,
    rows: Vec<Vec<Cell>>,
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

fn write_sheet(ws: &mut Worksheet, sheet: &Sheet, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(sheet.name)?;
    for (c, (title, width)) in sheet.columns.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *title, &f.header)?;
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

fn status_zh(p: Option<Progress>) -> &'static str {
    match p {
        Some(Progress::Done) => "已销号",
        Some(Progress::InProgress) => "整治中",
        Some(Progress::Planned) | None => "待整治",
    }
}

fn check_zh(check: &str) -> &str {
    match check {
        "overlap" => "重叠申报",
        "claim_mismatch" => "上报面积不符",
        "occupied" => "企业仍在生产",
        "undated" => "缺完成日期",
        "outside" => "超出地块范围",
        other => other,
    }
}

/// The goals' Chinese names.
pub fn goal_zh(name: &str) -> &str {
    match name {
        "vacated_mu" => "腾退土地（亩）",
        "effective_mu" => "其中有效面积（亩）",
        "remediated" => "整治低散乱企业（作坊）",
        "remediated_enterprises" => "其中企业",
        "upgraded" => "改造提升企业",
        "new_parks" => "新建小微企业园",
        "new_park_floor_m2" => "新建园区建筑面积（㎡）",
        "into_parks" => "企业入园",
        other => other,
    }
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

fn sheets(o: &Outcome) -> Vec<Sheet> {
    let parcels = &o.model.parcels;
    let rules = &o.project.rules;
    let ents = &o.model.enterprises;

    let targets = Sheet {
        name: "整治对象台账",
        columns: vec![
            ("企业名称", 28.0),
            ("统一社会信用代码", 22.0),
            ("乡镇（街道）", 12.0),
            ("村", 10.0),
            ("所在图斑", 12.0),
            ("地类", 6.0),
            ("用地面积（亩）", 10.0),
            ("亩均税收（万元/亩）", 10.0),
            ("历年亩均等级", 10.0),
            ("整治类别", 24.0),
            ("处置方式", 10.0),
            ("销号期限", 11.0),
            ("整治状态", 8.0),
            ("是否逾期", 8.0),
            ("重复行号", 10.0),
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
                    .map(|&g| rules.target[g].name.as_str())
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
                    text(groups.join("；")),
                    text(
                        a.disposition
                            .map(|d| disposition_label(&rules.disposition[d].name, Lang::Zh))
                            .unwrap_or_default(),
                    ),
                    e.deadline.map_or(Cell::Empty, Cell::Date),
                    text(status_zh(e.status)),
                    yes_no(o.targets.overdue.binary_search(&k).is_ok()),
                    text(
                        a.duplicate_rows
                            .iter()
                            .map(usize::to_string)
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                ]
            })
            .collect(),
    };

    let scattered = Sheet {
        name: "零散地块",
        columns: vec![
            ("图斑标识码", 14.0),
            ("地类编码", 8.0),
            ("乡镇（街道）", 12.0),
            ("坐落单位", 12.0),
            ("面积（亩）", 10.0),
            ("地块群编号", 10.0),
            ("地块群面积（亩）", 12.0),
            ("容积率", 8.0),
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
        name: "小微园",
        columns: vec![
            ("园区名称", 22.0),
            ("乡镇（街道）", 12.0),
            ("星级", 6.0),
            ("评价等级", 8.0),
            ("建成年份", 8.0),
            ("用地面积（亩）", 10.0),
            ("建筑面积（㎡）", 12.0),
            ("容积率", 8.0),
            ("建筑密度", 8.0),
            ("楼栋数", 7.0),
            ("入园企业数", 9.0),
            ("亩均税收（万元/亩）", 10.0),
            ("容积率低于下限", 10.0),
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
        name: "腾退核查",
        columns: vec![
            ("核查项", 14.0),
            ("腾退编号", 14.0),
            ("状态", 10.0),
            ("关联（记录/企业）", 22.0),
            ("数值", 10.0),
            ("单位", 6.0),
            ("说明", 44.0),
        ],
        rows: vacated_check_rows(o)
            .into_iter()
            .map(|r| {
                vec![
                    text(check_zh(r.check)),
                    text(r.record),
                    text(r.status),
                    text(r.other),
                    match r.unit {
                        // percentages as Excel percentages
                        "%" => opt_num(r.value.map(|v| v / 100.0), Num::Percent),
                        _ => opt_num(r.value, Num::Two),
                    },
                    text(if r.unit == "%" { "" } else { r.unit }),
                    text(r.detail),
                ]
            })
            .collect(),
    };

    let mut progress_rows: Vec<Vec<Cell>> = o
        .targets
        .district
        .iter()
        .map(|(name, s)| {
            vec![
                text("全区"),
                text(goal_zh(name)),
                text(*name),
                Cell::Num(s.target, Num::Two),
                opt_num(s.achieved, Num::Two),
                opt_num(s.progress, Num::Percent),
            ]
        })
        .collect();
    for (code, list) in &o.targets.townships {
        for (name, s) in list {
            progress_rows.push(vec![
                text(township_name(o, Some(code))),
                text(goal_zh(name)),
                text(*name),
                Cell::Num(s.target, Num::Two),
                opt_num(s.achieved, Num::Two),
                opt_num(s.progress, Num::Percent),
            ]);
        }
    }
    let progress = Sheet {
        name: "目标进度",
        columns: vec![
            ("范围", 12.0),
            ("目标", 24.0),
            ("指标", 22.0),
            ("目标值", 12.0),
            ("完成值", 12.0),
            ("完成进度", 10.0),
        ],
        rows: progress_rows,
    };

    let townships = Sheet {
        name: "乡镇汇总",
        columns: vec![
            ("乡镇代码", 11.0),
            ("乡镇（街道）", 12.0),
            ("图斑数", 8.0),
            ("面积（亩）", 11.0),
            ("工业图斑", 8.0),
            ("零散地块", 8.0),
            ("零散面积（亩）", 10.0),
            ("企业数", 7.0),
            ("整治对象", 8.0),
            ("已销号", 7.0),
            ("逾期", 6.0),
            ("小微园", 7.0),
            ("园区用地（亩）", 10.0),
            ("腾退记录", 8.0),
            ("腾退面积（亩）", 10.0),
            ("有效面积（亩）", 10.0),
            ("计划腾退（亩）", 10.0),
            ("腾退中（亩）", 10.0),
            ("腾退目标（亩）", 10.0),
            ("腾退进度", 9.0),
        ],
        rows: o
            .township_rows()
            .iter()
            .map(|t| {
                let n = |v: usize| Cell::Int(v as i64);
                let vmu = |f: fn(&crate::analysis::vacated::TownshipVacated) -> f64| {
                    t.vacated.as_ref().map(|v| m2_to_mu(f(v)))
                };
                vec![
                    text(t.code.clone()),
                    text(t.name.clone()),
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
pub fn ledgers(o: &Outcome) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = excel_date(o.as_of)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} 整治台账", o.project.project.name))
            .set_author("tudi")
            .set_creation_datetime(&created),
    );
    // Sheets are filled side by side (the target ledger alone has a row
    // per target), then handed to the workbook in order.
    let f = formats();
    let filled: Vec<Result<Worksheet, XlsxError>> = sheets(o)
        .into_par_iter()
        .map(|sheet| {
            let mut ws = Worksheet::new();
            write_sheet(&mut ws, &sheet, &f)?;
            Ok(ws)
        })
        .collect();
    for ws in filled {
        wb.push_worksheet(ws?);
    }
    wb.save_to_buffer()
}
