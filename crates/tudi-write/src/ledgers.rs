//! `ledgers.xlsx`: the ledgers planners keep in Excel, one sheet each —
//! 整治对象台账 (targets), 零散地块, 小微园, 腾退核查, 目标进度,
//! 乡镇汇总 — with the header row frozen, an autofilter, set column
//! widths, numbers as numbers with fixed decimals and dates as dates; in
//! the run's language throughout (sheet names, headers, every label).
//! Each sheet is an output table (see [`crate::table`]): the columns of
//! the CSV, GeoJSON or GeoPackage layer it shares, in the same order.
//! The file's creation time is the report date, so the same inputs give
//! the same bytes.

use std::borrow::Cow;
use std::path::Path;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use tudi_core::analysis::targets::{Goal, Standing};
use tudi_core::analysis::townships::Level;
use tudi_core::date::Date;
use tudi_core::outcome::Outcome;
use tudi_core::vocab::{self, Lang, Term};

use crate::land::{division_rows, divisions, parks, vacated_checks};
use crate::outputs::{county, scattered_parcels, targets, township};
use crate::table::{col, Kind, Shown, Table, Value};

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year as u16, d.month as u8, d.day as u8)
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border_bottom(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
}

/// The number format of a kind; `None` for text.
fn number_format(kind: Kind) -> Option<Format> {
    let code = match kind {
        Kind::Int => "0".to_string(),
        Kind::Date => "yyyy-mm-dd".to_string(),
        Kind::Real { shown, decimals } => match shown {
            Shown::Two => "0.00".to_string(),
            Shown::Thousands => "#,##0".to_string(),
            Shown::Own => format!("0.{}", "0".repeat(decimals)),
            Shown::Percent | Shown::Points => "0.0%".to_string(),
        },
        Kind::Text | Kind::Code | Kind::List | Kind::Bool => return None,
    };
    Some(Format::new().set_num_format(code))
}

/// Writes `table` as a sheet named `name`: the header row frozen and
/// filtered, each column as wide as it says, numbers as numbers with their
/// kind's format, codes by their labels, booleans as 是/否 (yes/no).
fn write_sheet<R>(
    ws: &mut Worksheet,
    name: Term,
    table: &Table<R>,
    lang: Lang,
) -> Result<(), XlsxError> {
    ws.set_name(name.get(lang))?;
    let header = header_format();
    for (c, column) in table.columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, column.label.get(lang), &header)?;
        ws.set_column_width(c as u16, column.width)?;
    }
    ws.set_row_height(0, 30)?;
    let formats: Vec<Option<Format>> = table
        .columns
        .iter()
        .map(|c| number_format(c.kind))
        .collect();
    // Row by row: a low-memory sheet writes each row out once the next
    // one starts.
    for (r, row) in table.rows.iter().enumerate() {
        for (c, (column, format)) in table.columns.iter().zip(&formats).enumerate() {
            let at = (r as u32 + 1, c as u16);
            write_cell(
                ws,
                at,
                column.value(row),
                column.kind,
                format.as_ref(),
                lang,
            )?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let last_col = table.columns.len().saturating_sub(1) as u16;
    ws.autofilter(0, 0, table.rows.len() as u32, last_col)?;
    Ok(())
}

fn write_cell(
    ws: &mut Worksheet,
    (r, c): (u32, u16),
    value: Value,
    kind: Kind,
    format: Option<&Format>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let text = |ws: &mut Worksheet, s: &str| -> Result<(), XlsxError> {
        if !s.is_empty() {
            ws.write_string(r, c, s)?;
        }
        Ok(())
    };
    let number = |ws: &mut Worksheet, v: f64, kind: Kind, format: Option<&Format>| {
        let v = match kind {
            Kind::Real {
                shown: Shown::Points,
                ..
            } => v / 100.0,
            _ => v,
        };
        match format {
            Some(f) if v.is_finite() => ws.write_number_with_format(r, c, v, f).map(|_| ()),
            _ => Ok(()),
        }
    };
    match value {
        Value::Null => Ok(()),
        Value::Text(s) | Value::Code(_, s) => text(ws, &s),
        Value::List(items) => {
            let labels: Vec<Cow<str>> = items.into_iter().map(|(_, label)| label).collect();
            text(ws, &labels.join(lang.pick("；", "; ")))
        }
        Value::Bool(b) => text(ws, vocab::yes_no(b).get(lang)),
        Value::Int(i) => number(ws, i as f64, Kind::Int, format),
        Value::Num(v) => number(ws, v, kind, format),
        Value::NumAs(v, own) => number(ws, v, own, number_format(own).as_ref()),
        Value::Date(d) => match format {
            Some(f) => ws
                .write_date_with_format(r, c, &excel_date(d)?, f)
                .map(|_| ()),
            None => Ok(()),
        },
    }
}

/// The scope of the run's whole area: the district's, or of several
/// counties.
pub(crate) fn whole_area(o: &Outcome) -> vocab::Term {
    if o.counties.is_empty() {
        vocab::DISTRICT
    } else {
        vocab::WHOLE_AREA
    }
}

/// A goal's standing, in the district or a township.
struct GoalRow<'a> {
    scope: Value<'a>,
    goal: Goal,
    standing: Standing,
}

/// Each goal's target, what is achieved and the progress (目标进度).
fn goals(o: &Outcome, lang: Lang) -> Table<'_, GoalRow<'_>> {
    // a county's own run tracks the county's goals as its whole area's
    let whole = match &o.project.county {
        Some(code) => county(o, Some(code)),
        None => Value::Code(None, Cow::Borrowed(whole_area(o).get(lang))),
    };
    let district = o
        .targets
        .district
        .iter()
        .map(move |&(goal, standing)| GoalRow {
            scope: whole.clone(),
            goal,
            standing,
        });
    let counties = o.targets.counties.iter().flat_map(|(code, list)| {
        list.iter().map(move |&(goal, standing)| GoalRow {
            scope: county(o, Some(code)),
            goal,
            standing,
        })
    });
    let townships = o.targets.townships.iter().flat_map(|(code, list)| {
        list.iter().map(move |&(goal, standing)| GoalRow {
            scope: township(o, Some(code)),
            goal,
            standing,
        })
    });
    type G<'a> = GoalRow<'a>;
    let columns = vec![
        col(
            "scope",
            Term::new("范围", "Scope"),
            Kind::Code,
            |g: &G| g.scope.clone(),
        )
        .width(12.0),
        col(
            "goal",
            Term::new("目标", "Goal"),
            Kind::Code,
            move |g: &G| Value::term(g.goal.name(), g.goal.term(), lang),
        )
        .width(24.0),
        col(
            "unit",
            Term::new("单位", "Unit"),
            Kind::Code,
            move |g: &G| Value::term(g.goal.unit().en, g.goal.unit(), lang),
        )
        .width(8.0),
        col(
            "target",
            Term::new("目标值", "Target"),
            Kind::real(2),
            |g: &G| Value::Num(g.standing.target),
        )
        .width(12.0),
        col(
            "achieved",
            Term::new("完成值", "Achieved"),
            Kind::real(2),
            |g: &G| Value::opt_num(g.standing.achieved),
        )
        .width(12.0),
        col(
            "progress",
            Term::new("完成进度", "Progress"),
            Kind::SHARE,
            |g: &G| Value::opt_num(g.standing.progress),
        ),
        col(
            "projected",
            Term::new("按方案可达", "Plan delivers"),
            Kind::real(2),
            |g: &G| Value::opt_num(g.standing.projected),
        )
        .width(12.0),
        col(
            "projected_progress",
            Term::new("按方案进度", "Plan's progress"),
            Kind::SHARE,
            |g: &G| Value::opt_num(g.standing.projected_progress),
        ),
    ];
    Table::new(
        "goals",
        Term::new("目标进度", "Goals"),
        columns,
        district.chain(counties).chain(townships).collect(),
    )
}

/// A sheet to fill: its name and how to fill it.
type Fill<'a> = Box<dyn Fn(&mut Worksheet) -> Result<(), XlsxError> + 'a>;

/// The sheets in order. The workbook names its tabs itself (short names a
/// planner knows: 零散地块, not the map layer's 零散工业地块); the columns
/// are the output tables', the same the other formats write.
fn sheets(o: &Outcome, lang: Lang) -> Vec<Fill<'_>> {
    fn sheet<'a, R: Send + Sync + 'a>(name: Term, table: Table<'a, R>, lang: Lang) -> Fill<'a> {
        Box::new(move |ws| write_sheet(ws, name, &table, lang))
    }
    let mut sheets = vec![
        sheet(Term::new("整治对象台账", "Targets"), targets(o, lang), lang),
        sheet(
            Term::new("零散地块", "Scattered plots"),
            scattered_parcels(o),
            lang,
        ),
        sheet(Term::new("小微园", "Parks"), parks(o), lang),
        sheet(
            crate::placement::PLAN,
            crate::placement::placements(o, lang),
            lang,
        ),
        sheet(
            crate::placement::ROOM,
            crate::placement::park_rooms(o, lang),
            lang,
        ),
        sheet(
            Term::new("腾退核查", "Vacated-land checks"),
            vacated_checks(o, lang),
            lang,
        ),
        sheet(Term::new("目标进度", "Goals"), goals(o, lang), lang),
        sheet(
            Term::new("乡镇汇总", "Townships"),
            divisions(Level::Township, lang, division_rows(o, Level::Township)),
            lang,
        ),
    ];
    if !o.counties.is_empty() {
        sheets.push(sheet(
            Term::new("县区汇总", "Counties"),
            divisions(Level::County, lang, division_rows(o, Level::County)),
            lang,
        ));
    }
    sheets
}

/// The workbook's bytes. Each sheet is in low-memory mode: its rows go to
/// an unnamed temporary file in `scratch` as they are written (the
/// target ledger of a large district held as cells took hundreds of MB).
pub fn ledgers(o: &Outcome, lang: Lang, scratch: &Path) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_tempdir(scratch)?;
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
    // One sheet after another, in order: the workbook numbers shared
    // strings and formats as they are first written, and that order is
    // the bytes'.
    for fill in sheets(o, lang) {
        let mut ws = wb.new_worksheet_with_low_memory();
        fill(&mut ws)?;
        wb.push_worksheet(ws);
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    struct Row {
        code: Option<&'static str>,
        tags: Vec<(&'static str, &'static str)>,
        share: f64,
        points: f64,
        when: Option<Date>,
    }

    fn sample(lang: Lang) -> Table<'static, Row> {
        Table::new(
            "sample",
            Term::new("样例", "Sample"),
            vec![
                col(
                    "code",
                    Term::new("类别", "Kind"),
                    Kind::Code,
                    move |r: &Row| match r.code {
                        Some(c) => Value::term(c, Term::new("关停淘汰", "Close"), lang),
                        None => Value::Null,
                    },
                ),
                col(
                    "tags",
                    Term::new("标签", "Tags"),
                    Kind::List,
                    |r: &Row| {
                        Value::List(r.tags.iter().map(|&(i, l)| (i.into(), l.into())).collect())
                    },
                ),
                col(
                    "ok",
                    Term::new("通过", "Passed"),
                    Kind::Bool,
                    |r: &Row| Value::Bool(r.code.is_some()),
                ),
                col(
                    "share",
                    Term::new("占比", "Share"),
                    Kind::SHARE,
                    |r: &Row| Value::Num(r.share),
                ),
                col(
                    "points",
                    Term::new("偏差", "Difference"),
                    Kind::POINTS,
                    |r: &Row| Value::Num(r.points),
                ),
                col(
                    "when",
                    Term::new("日期", "Date"),
                    Kind::Date,
                    |r: &Row| Value::opt_date(r.when),
                ),
                col(
                    "mixed",
                    Term::new("数值", "Value"),
                    Kind::MU,
                    |r: &Row| Value::NumAs(r.points, Kind::POINTS),
                ),
            ],
            vec![
                Row {
                    code: Some("close"),
                    tags: vec![("a", "甲"), ("b", "乙")],
                    share: 0.125,
                    points: 25.0,
                    when: Date::new(2020, 9, 30),
                },
                Row {
                    code: None,
                    tags: vec![],
                    share: f64::NAN,
                    points: -5.0,
                    when: None,
                },
            ],
        )
    }

    fn read_back(lang: Lang) -> calamine::Range<Data> {
        let mut wb = Workbook::new();
        let mut ws = Worksheet::new();
        write_sheet(
            &mut ws,
            Term::new("样例表", "Sample sheet"),
            &sample(lang),
            lang,
        )
        .unwrap();
        wb.push_worksheet(ws);
        let bytes = wb.save_to_buffer().unwrap();
        let mut xlsx: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(xlsx.sheet_names(), [lang.pick("样例表", "Sample sheet")]);
        xlsx.worksheet_range(lang.pick("样例表", "Sample sheet"))
            .unwrap()
    }

    /// The sheet shows the table's labels, codes by label, lists of labels,
    /// booleans in words, percentages as fractions, dates as dates, and
    /// nothing for what is missing.
    #[test]
    fn a_table_becomes_a_sheet_in_the_runs_language() {
        let zh = read_back(Lang::Zh);
        let header: Vec<String> = zh
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            header,
            ["类别", "标签", "通过", "占比", "偏差", "日期", "数值"]
        );
        let row: Vec<&Data> = zh.rows().nth(1).unwrap().iter().collect();
        assert_eq!(row[0], &Data::String("关停淘汰".into()));
        assert_eq!(row[1], &Data::String("甲；乙".into()));
        assert_eq!(row[2], &Data::String("是".into()));
        assert_eq!(row[3], &Data::Float(0.125));
        assert_eq!(row[4], &Data::Float(0.25));
        assert!(matches!(row[5], Data::DateTime(d) if d.as_f64() == 44104.0));
        assert_eq!(row[6], &Data::Float(0.25));
        let empty: Vec<&Data> = zh.rows().nth(2).unwrap().iter().collect();
        assert_eq!(empty[0], &Data::Empty);
        assert_eq!(empty[1], &Data::Empty);
        assert_eq!(empty[2], &Data::String("否".into()));
        assert_eq!(empty[3], &Data::Empty, "NaN is left blank");
        assert_eq!(empty[4], &Data::Float(-0.05));
        assert_eq!(empty[5], &Data::Empty);

        let en = read_back(Lang::En);
        let header: Vec<String> = en
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            header,
            [
                "Kind",
                "Tags",
                "Passed",
                "Share",
                "Difference",
                "Date",
                "Value"
            ]
        );
        let row: Vec<String> = en
            .rows()
            .nth(1)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(&row[..3], ["Close", "甲; 乙", "yes"]);
    }
}
