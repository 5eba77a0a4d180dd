//! `report.html`: one self-contained page for the district head — headline
//! figures, progress against each goal, the map, the township table, the
//! vacated-land time line, failed checks and overdue targets. Everything is
//! inline (no network, no script); the bytes depend on the data alone (the
//! date shown is the run's report date, never the clock).

use std::fmt::Write as _;

use tudi_core::analysis::targets::Goal;
use tudi_core::analysis::vacated::{Month, Vacated};
use tudi_core::date::Date;
use tudi_core::error::Result;
use tudi_core::geodesy::m2_to_mu;
use tudi_core::outcome::{Ordered, Outcome, StandingSummary, Summary};

use super::escape;
use super::map::{district_map, DistrictMap};
use super::palette::disposition_colour;
use super::table::{Kind, Shown, Table, Value};
use super::{fixed, grouped, percent, Staging};
use tudi_core::analysis::townships::{DivisionRow, Level};

use tudi_core::vocab;
pub use tudi_core::vocab::Lang;

use super::land::vacated_check_rows;

/// How the report is written.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    pub lang: Lang,
    /// Width of the map, px.
    pub map_width: u32,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            lang: Lang::Zh,
            map_width: 1600,
        }
    }
}

fn num(v: f64, decimals: usize) -> String {
    grouped(v, decimals)
}

fn mu(v: f64) -> String {
    grouped(v, 2)
}

/// Writes `report.html` and `map.svg` into the staging folder.
pub fn write_report(
    o: &Outcome,
    summary: &Summary,
    options: &ReportOptions,
    staging: &Staging,
) -> Result<()> {
    let map = district_map(o, options.lang, options.map_width);
    staging.write("map.svg", |w| w.write_all(map.svg.as_bytes()))?;
    let html = report_html(o, summary, options.lang, &map);
    staging.write("report.html", |w| w.write_all(html.as_bytes()))
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1f2933;font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;font-size:15px;line-height:1.5}
main{max-width:1240px;margin:0 auto;padding:0 20px 40px}
header{background:linear-gradient(120deg,#0b3d6b,#1c6aa8);color:#fff;padding:28px 0 24px;margin-bottom:24px}
header .inner{max-width:1240px;margin:0 auto;padding:0 20px}
h1{margin:0;font-size:30px;letter-spacing:1px}
header p{margin:6px 0 0;opacity:.85}
section{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(15,30,50,.12);padding:20px 24px;margin:0 0 22px}
h2{margin:0 0 14px;font-size:20px;color:#0b3d6b;border-left:5px solid #1c6aa8;padding-left:10px}
h3{font-size:16px;margin:18px 0 8px;color:#334e68}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:14px}
.card{border:1px solid #e4e7eb;border-radius:8px;padding:14px 16px;border-top:4px solid #1c6aa8}
.card.alert{border-top-color:#d7191c}
.card.green{border-top-color:#1a9641}
.card.purple{border-top-color:#756bb1}
.card .k{color:#52606d;font-size:14px}
.card .v{font-size:30px;font-weight:700;color:#102a43;line-height:1.3}
.card .v small{font-size:15px;font-weight:400;color:#52606d;margin-left:4px}
.card .s{color:#52606d;font-size:13.5px}
.chip{display:inline-block;margin:4px 10px 0 0;white-space:nowrap}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:middle;border:1px solid rgba(0,0,0,.2)}
.goal{display:grid;grid-template-columns:210px 1fr 250px;align-items:center;gap:14px;padding:7px 0;border-bottom:1px solid #f0f2f4}
.goal .name{font-weight:600}
.bar{position:relative;height:18px;background:#e9edf1;border-radius:9px;overflow:hidden}
.bar .fill{position:absolute;top:0;left:0;height:100%;border-radius:9px}
.bar .plan{position:absolute;top:0;left:0;height:100%;border-radius:9px;background:repeating-linear-gradient(45deg,#b9c9d8,#b9c9d8 4px,#d5e0ea 4px,#d5e0ea 8px)}
.bar .time{position:absolute;top:0;bottom:0;width:2px;background:#102a43;opacity:.55}
.bar.nodata{background:repeating-linear-gradient(45deg,#eef0f2,#eef0f2 6px,#e1e4e8 6px,#e1e4e8 12px)}
.goal .fig{text-align:right;font-variant-numeric:tabular-nums;color:#334e68}
.goal .fig b{color:#102a43}
.goal .fig .pf{display:block;color:#52606d;font-size:.92em}
.note{color:#7b8794;font-size:13px;margin:10px 0 0}
figure{margin:0}
figure svg{width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:6px 7px;border-bottom:1px solid #e4e7eb;text-align:left;white-space:nowrap}
th{white-space:normal;vertical-align:bottom}
th{background:#f0f4f8;color:#334e68;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:700;border-top:2px solid #bcccdc}
.scroll{overflow-x:auto}
.bad{color:#d7191c;font-weight:700}
.ok{color:#1a9641;font-weight:700}
.tag{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12.5px;color:#fff}
footer{color:#7b8794;font-size:12.5px;text-align:center;margin-top:10px}
@media print{body{background:#fff}section{box-shadow:none;border:1px solid #ddd;break-inside:avoid}}
"#;

/// The report page.
pub fn report_html(o: &Outcome, summary: &Summary, lang: Lang, map: &DistrictMap) -> String {
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let mut h = String::with_capacity(map.svg.len() + (1 << 16));
    // a county's own run is titled with the county
    let county = o
        .project
        .county
        .as_ref()
        .map(|code| o.county_names.get(code).unwrap_or(code));
    let title = format!(
        "{}{} · {}",
        summary.project,
        county.map_or(String::new(), |c| format!(" · {c}")),
        t("低散乱整治与小微园建设进展", "Land remediation progress")
    );
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        t("zh-CN", "en"),
        escape(&title)
    );
    let _ = writeln!(
        h,
        "<header><div class=\"inner\"><h1>{}</h1><p>{} {} · {} {}</p></div></header>\n<main>",
        escape(&title),
        t("报告日期", "Report date"),
        summary.as_of,
        t("目标年度", "Target year"),
        summary.year
    );
    if let Some(name) = county {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}{}{}</p>",
            escape(name),
            t("单独一县的运行：", " alone: "),
            t(
                "只计本县的图斑、企业、园区和腾退记录，目标为本县目标；跨县界的工业连片和腾退连片在县界处截断，因此可能与全市运行中本县一行不同。",
                "only the county's parcels, firms, parks and vacated records count, against the county's goals; blocks across its border are cut there, so they may count otherwise than in the county's row of the whole project's run."
            )
        );
    }
    headline(&mut h, o, summary, lang);
    goals(&mut h, o, summary, lang);
    // the map of the district, of several counties, or of one alone
    let map_title = match county {
        Some(name) => format!("{}{}", name, t("作战图", " map")),
        None => format!(
            "{}{}",
            crate::ledgers::whole_area(o).get(lang),
            t("作战图", " map")
        ),
    };
    let _ = writeln!(
        h,
        "<section id=\"map\"><h2>{}</h2><figure>\n{}</figure></section>",
        escape(&map_title),
        map.svg
    );
    placement(&mut h, o, summary, lang);
    divisions(&mut h, o, Level::County, lang);
    divisions(&mut h, o, Level::Township, lang);
    if let Some(v) = &o.vacated {
        timeline(&mut h, v, o.project.targets.vacated_mu, lang);
        checks(&mut h, o, lang);
    }
    overdue(&mut h, o, lang);
    let _ = writeln!(
        h,
        "<footer>{}</footer>\n</main>\n</body>\n</html>",
        t(
            "由 tudi 生成 · 面积按 CGCS2000 椭球计算，1 亩 = 666.67 平方米",
            "Made with tudi · areas on the CGCS2000 ellipsoid, 1 mu = 666.67 m²"
        )
    );
    h
}

fn card(h: &mut String, class: &str, key: &str, value: &str, unit: &str, sub: &str) {
    let _ = writeln!(
        h,
        "<div class=\"card {class}\"><div class=\"k\">{}</div><div class=\"v\">{value}<small>{}</small></div><div class=\"s\">{sub}</div></div>",
        escape(key),
        escape(unit)
    );
}

fn headline(h: &mut String, o: &Outcome, s: &Summary, lang: Lang) {
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    h.push_str("<section id=\"headline\"><div class=\"cards\">\n");
    card(
        h,
        "",
        t("地类图斑", "Land parcels"),
        &num(s.parcels.count as f64, 0),
        t("块", "parcels"),
        &format!(
            "{} {} · {} {}",
            mu(s.parcels.area_mu),
            t("亩", "mu"),
            t("工业图斑", "industrial"),
            num(s.parcels.industrial as f64, 0)
        ),
    );
    card(
        h,
        "alert",
        t("零散工业地块", "Scattered industrial plots"),
        &num(s.scattered.parcels as f64, 0),
        t("块", "plots"),
        &format!(
            "{} {} · {} {} {}",
            mu(s.scattered.area_mu),
            t("亩", "mu"),
            t("分布于", "in"),
            num(s.scattered.blocks as f64, 0),
            t("个地块群", "blocks")
        ),
    );
    let mut chips = String::new();
    for (d, n) in o.disposition_counts() {
        let _ = write!(
            chips,
            "<span class=\"chip\"><span class=\"dot\" style=\"background:{}\"></span>{} <b>{}</b></span>",
            disposition_colour(d),
            escape(d.term().get(lang)),
            n
        );
    }
    card(
        h,
        "",
        t("整治对象", "Remediation targets"),
        &num(s.enterprises.targets as f64, 0),
        &format!(
            "/ {} {}",
            num(s.enterprises.count as f64, 0),
            t("家企业", "enterprises")
        ),
        &chips,
    );
    let p = &s.parks;
    let far_known = o.model.buildings.is_some();
    card(
        h,
        "purple",
        t("小微企业园", "Micro-enterprise parks"),
        &num(p.count as f64, 0),
        t("个", "parks"),
        &if far_known && p.count > 0 {
            format!(
                "{} {} · {} <b>{}</b> · {} {} · {} {}",
                mu(p.land_mu),
                t("亩", "mu"),
                t("总体容积率", "aggregate FAR"),
                fixed(p.aggregate_far, 2),
                t("平均容积率", "mean FAR"),
                fixed(p.mean_far, 2),
                num(p.below_min as f64, 0),
                t("个未达标", "below minimum")
            )
        } else {
            format!("{} {}", mu(p.land_mu), t("亩", "mu"))
        },
    );
    match &s.vacated {
        Some(v) => card(
            h,
            "green",
            t("已腾退土地", "Vacated land"),
            &mu(v.gross_mu),
            t("亩", "mu"),
            &format!(
                "{} <b>{}</b> {} · {} {}",
                t("有效面积", "effective"),
                mu(v.effective_mu),
                t("亩", "mu"),
                t("连片率", "contiguity"),
                percent(v.contiguity_rate)
            ),
        ),
        None => card(
            h,
            "green",
            t("已腾退土地", "Vacated land"),
            "—",
            "",
            t("无腾退图层", "no vacated-land layer"),
        ),
    }
    let failed = failing_records(o);
    card(
        h,
        if s.overdue > 0 || failed > 0 {
            "alert"
        } else {
            "green"
        },
        t("逾期未销号", "Overdue targets"),
        &num(s.overdue as f64, 0),
        t("家", "targets"),
        &match lang {
            Lang::Zh => format!("腾退记录 {} 条未通过核查", num(failed as f64, 0)),
            Lang::En => format!("vacated records failing a check: {}", num(failed as f64, 0)),
        },
    );
    h.push_str("</div></section>\n");
}

/// The share of the target year gone by on the report date.
fn time_progress(as_of: Date, year: i32) -> f64 {
    let (Some(start), Some(end)) = (Date::new(year, 1, 1), Date::new(year, 12, 31)) else {
        return 1.0;
    };
    let days = (end.days_since_epoch() - start.days_since_epoch() + 1) as f64;
    ((as_of.days_since_epoch() - start.days_since_epoch() + 1) as f64 / days).clamp(0.0, 1.0)
}

fn goal_row(h: &mut String, goal: Goal, label: &str, g: &StandingSummary, time: f64, lang: Lang) {
    let (unit, decimals) = (goal.unit().get(lang), goal.decimals());
    let target = num(g.target, decimals);
    let _ = write!(
        h,
        "<div class=\"goal\" data-goal=\"{}\"><div class=\"name\">{}</div>",
        goal.name(),
        escape(label)
    );
    let marker = format!(
        "<div class=\"time\" style=\"left:{}%\"></div>",
        fixed(time * 100.0, 1)
    );
    // what the plan delivers: a hatched bar under the achieved one, and
    // its figure after the achieved one
    let (plan_bar, plan_fig) = match (g.projected, g.projected_progress) {
        (Some(v), Some(p)) => (
            format!(
                "<div class=\"plan\" style=\"width:{}%\"></div>",
                fixed((p * 100.0).clamp(0.0, 100.0), 1)
            ),
            match lang {
                Lang::Zh => format!(
                    "<span class=\"pf\">按方案 <b>{}</b>（{}）</span>",
                    num(v, decimals),
                    percent(p)
                ),
                Lang::En => format!(
                    "<span class=\"pf\">plan: <b>{}</b> ({})</span>",
                    num(v, decimals),
                    percent(p)
                ),
            },
        ),
        _ => (String::new(), String::new()),
    };
    match (g.achieved, g.progress) {
        (Some(a), Some(p)) => {
            let colour = if p >= 1.0 {
                "#1a9641"
            } else if p >= time {
                "#2c7bb6"
            } else if p >= 0.5 * time {
                "#fdae61"
            } else {
                "#d7191c"
            };
            let _ = writeln!(
                h,
                "<div class=\"bar\">{plan_bar}<div class=\"fill\" style=\"width:{}%;background:{colour}\"></div>{marker}</div><div class=\"fig\"><b>{}</b> / {} {} · <b>{}</b>{plan_fig}</div></div>",
                fixed((p * 100.0).clamp(0.0, 100.0), 1),
                num(a, decimals),
                target,
                unit,
                percent(p)
            );
        }
        _ => {
            let _ = writeln!(
                h,
                "<div class=\"bar nodata\">{plan_bar}{marker}</div><div class=\"fig\">{} / {} {}{plan_fig}</div></div>",
                lang.pick("无数据", "no data"),
                target,
                unit
            );
        }
    }
}

/// A goal's standing in the summary's list, when it is tracked.
fn standing(list: &Ordered<StandingSummary>, goal: Goal) -> Option<&StandingSummary> {
    list.0
        .iter()
        .find(|(k, _)| k == goal.name())
        .map(|(_, g)| g)
}

fn goals(h: &mut String, o: &Outcome, s: &Summary, lang: Lang) {
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let time = time_progress(o.as_of, s.year);
    let _ = writeln!(
        h,
        "<section id=\"targets\"><h2>{} {}</h2>",
        s.year,
        t("年度目标完成情况", "goals")
    );
    // a county alone tracks its own goals: say so when it has none
    if let (Some(code), true) = (&o.project.county, o.targets.district.is_empty()) {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            match lang {
                Lang::Zh => format!(
                    "项目文件未给本县设年度目标（[targets.counties.{code}]）；全项目的目标不适用于单独一县，故不列。"
                ),
                Lang::En => format!(
                    "The project file sets no goals for this county ([targets.counties.{code}]); the whole project's goals do not apply to one county alone."
                ),
            }
        );
    }
    // the goals the analysis tracks, with the summary's rounded figures
    for (goal, _) in &o.targets.district {
        if let Some(g) = standing(&s.targets, *goal) {
            goal_row(h, *goal, goal.term().get(lang), g, time, lang);
        }
    }
    let local = [
        (&o.targets.counties, &o.county_names, &s.county_targets),
        (&o.targets.townships, &o.township_names, &s.township_targets),
    ];
    for (targets, names, summaries) in local {
        for (code, goals) in targets {
            let division = names.get(code).unwrap_or(code);
            for (goal, _) in goals {
                if let Some(g) = summaries.get(code).and_then(|l| standing(l, *goal)) {
                    let label = format!("{division} · {}", goal.term().get(lang));
                    goal_row(h, *goal, &label, g, time, lang);
                }
            }
        }
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">{} {}{}</p></section>",
        t(
            "竖线为时间进度",
            "The vertical line marks the share of the year gone by"
        ),
        percent(time),
        t(
            "；绿色为已完成，蓝色为快于时间进度，橙色与红色为滞后；斜纹为按整治与入园安置方案全部实施后可达到的进度。",
            "; green: done, blue: ahead of time, orange and red: behind; hatched: where the remediation and placement plan takes it once carried out."
        )
    );
}

/// The township or county table.
fn divisions(h: &mut String, o: &Outcome, level: Level, lang: Lang) {
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let rows = o.divisions(level);
    if rows.is_empty() {
        return;
    }
    let (id, name) = (level.table(), level.term().get(lang));
    let title = match lang {
        Lang::Zh => format!("分{}情况", level.term().zh),
        Lang::En => level.plural().en.to_string(),
    };
    let file = format!("{id}.csv");
    let has_vacated = o.vacated.is_some();
    let _ = write!(
        h,
        "<section id=\"{id}\"><h2>{title}</h2><div class=\"scroll\"><table>\n<thead><tr>"
    );
    let mut headers: Vec<(&str, bool)> = vec![
        (name, false),
        (t("代码", "Code"), false),
        (t("图斑", "Parcels"), true),
        (t("面积（亩）", "Area (mu)"), true),
        (t("零散地块", "Scattered"), true),
        (t("零散面积（亩）", "Scattered (mu)"), true),
        (t("企业", "Enterprises"), true),
        (t("整治对象", "Targets"), true),
        (t("已完成", "Done"), true),
        (t("逾期", "Overdue"), true),
        (t("小微园", "Parks"), true),
        (t("园区用地（亩）", "Park land (mu)"), true),
    ];
    if has_vacated {
        headers.extend([
            (t("腾退（亩）", "Vacated (mu)"), true),
            (t("有效（亩）", "Effective (mu)"), true),
            (t("腾退目标（亩）", "Goal (mu)"), true),
            (t("进度", "Progress"), true),
        ]);
    }
    // where the plan takes each township
    let has_plan = o.placement.is_some() || o.projected_vacated.is_some();
    if has_plan {
        headers.extend([
            (t("安置入园", "Placed"), true),
            (t("按方案腾退（亩）", "Plan: vacated (mu)"), true),
        ]);
    }
    for (name, numeric) in &headers {
        let _ = write!(
            h,
            "<th{}>{}</th>",
            if *numeric { " class=\"n\"" } else { "" },
            name
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let cell = |h: &mut String, v: String| {
        let _ = write!(h, "<td class=\"n\">{v}</td>");
    };
    let row = |h: &mut String, r: &DivisionRow, name: &str, code: &str, total: bool| {
        let _ = write!(
            h,
            "<tr{}><td>{}</td><td>{}</td>",
            if total { " class=\"total\"" } else { "" },
            escape(name),
            escape(code)
        );
        cell(h, num(r.parcels as f64, 0));
        cell(h, mu(m2_to_mu(r.area_m2)));
        cell(h, num(r.scattered_parcels as f64, 0));
        cell(h, mu(m2_to_mu(r.scattered_m2)));
        cell(h, num(r.enterprises as f64, 0));
        cell(h, num(r.targets as f64, 0));
        cell(h, num(r.targets_done as f64, 0));
        cell(
            h,
            if r.overdue > 0 {
                format!("<span class=\"bad\">{}</span>", r.overdue)
            } else {
                "0".into()
            },
        );
        cell(h, num(r.parks as f64, 0));
        cell(h, mu(m2_to_mu(r.park_land_m2)));
        if has_vacated {
            let vt = r.vacated.as_ref();
            cell(h, mu(m2_to_mu(vt.map_or(0.0, |v| v.gross_m2))));
            cell(h, mu(m2_to_mu(vt.map_or(0.0, |v| v.effective_m2))));
            cell(h, r.vacated_target_mu.map(mu).unwrap_or_default());
            cell(h, r.vacated_progress().map(percent).unwrap_or_default());
        }
        if has_plan {
            cell(h, num(r.placed as f64, 0));
            cell(
                h,
                mu(m2_to_mu(
                    r.plan_vacated.as_ref().map_or(0.0, |v| v.gross_m2),
                )),
            );
        }
        h.push_str("</tr>\n");
    };
    let mut total = DivisionRow {
        vacated: o.vacated.as_ref().map(|_| Default::default()),
        plan_vacated: o.projected_vacated.as_ref().map(|_| Default::default()),
        ..Default::default()
    };
    // A real district has a score of townships; past MAX_ROWS (synthetic
    // unit codes) the ones with the most targets are shown.
    let mut shown: Vec<usize> = (0..rows.len()).collect();
    if rows.len() > MAX_ROWS {
        shown.sort_by_key(|&k| std::cmp::Reverse(rows[k].targets));
        shown.truncate(MAX_ROWS);
    }
    let mut show = vec![false; rows.len()];
    for k in shown {
        show[k] = true;
    }
    let more = rows.len().saturating_sub(MAX_ROWS);
    for (r, _) in rows.iter().zip(&show).filter(|(_, &s)| s) {
        row(h, r, r.label(lang), &r.code, false);
    }
    for r in rows {
        total.parcels += r.parcels;
        total.area_m2 += r.area_m2;
        total.scattered_parcels += r.scattered_parcels;
        total.scattered_m2 += r.scattered_m2;
        total.enterprises += r.enterprises;
        total.targets += r.targets;
        total.targets_done += r.targets_done;
        total.overdue += r.overdue;
        total.parks += r.parks;
        total.park_land_m2 += r.park_land_m2;
        if let (Some(sum), Some(v)) = (total.vacated.as_mut(), r.vacated.as_ref()) {
            sum.gross_m2 += v.gross_m2;
            sum.effective_m2 += v.effective_m2;
        }
        total.placed += r.placed;
        if let (Some(sum), Some(v)) = (total.plan_vacated.as_mut(), r.plan_vacated.as_ref()) {
            sum.gross_m2 += v.gross_m2;
        }
    }
    row(h, &total, t("合计", "Total"), "", true);
    let mut note = String::new();
    if level == Level::County {
        cross_border(&mut note, o, lang);
    }
    table_end_with(h, more, &file, &note, lang);
}

/// What a county's own run counts otherwise: the blocks across borders.
fn cross_border(h: &mut String, o: &Outcome, lang: Lang) {
    let c = &o.cross_border;
    let ids = |ids: Vec<usize>| {
        let mut shown: Vec<String> = ids.iter().take(MAX_IDS).map(usize::to_string).collect();
        if ids.len() > MAX_IDS {
            shown.push("…".into());
        }
        shown.join(lang.pick("、", ", "))
    };
    if c.blocks.is_empty() && c.vacated_blocks.is_empty() {
        let _ = write!(
            h,
            "<p class=\"note\">{}</p>",
            lang.pick(
                "没有跨县界的工业连片或腾退连片：单独分析一个县，结果与本表该县一行相同。",
                "No industrial or vacated block crosses a county border: a run on one county alone counts as its row here."
            )
        );
        return;
    }
    let blocks = ids(c.blocks.iter().map(|&k| o.blocks.blocks[k].id).collect());
    let vacated = o.vacated.as_ref().map_or_else(String::new, |v| {
        ids(c.vacated_blocks.iter().map(|&k| v.blocks[k].id).collect())
    });
    let _ = write!(
        h,
        "<p class=\"note\">{}",
        lang.pick(
            "每县的数字按其图斑、企业和腾退记录计；跨县界的连片整体计算：",
            "Each county counts its own parcels, firms and vacated records; blocks across a county border are taken whole: "
        )
    );
    let _ = write!(
        h,
        "{} {}{}",
        lang.pick("工业连片", "industrial blocks"),
        c.blocks.len(),
        if c.blocks.is_empty() {
            String::new()
        } else {
            format!(" ({blocks})")
        }
    );
    if o.vacated.is_some() {
        let _ = write!(
            h,
            "{}{} {}{}",
            lang.pick("，", ", "),
            lang.pick("腾退连片", "vacated blocks"),
            c.vacated_blocks.len(),
            if c.vacated_blocks.is_empty() {
                String::new()
            } else {
                format!(" ({vacated})")
            }
        );
    }
    let _ = write!(
        h,
        "{}</p>",
        lang.pick(
            "。单独分析一个县时，它们在县界处被分开，面积及是否零散、是否有效可能与本表不同。",
            ". A run on one county alone cuts them at its border, so their area, and whether they are scattered or effective, can differ there."
        )
    );
}

/// Vacated records failing at least one check (a record may fail several).
fn failing_records(o: &Outcome) -> usize {
    o.vacated.as_ref().map_or(0, |v| {
        v.records
            .iter()
            .filter(|r| !r.failed_checks().is_empty())
            .count()
    })
}

/// The time line: monthly vacated land as bars, the running total as a
/// line, and the year's goal when it is in sight (else an arrow says how
/// far off it is).
fn timeline(h: &mut String, v: &Vacated, target_mu: f64, lang: Lang) {
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let _ = writeln!(
        h,
        "<section id=\"timeline\"><h2>{}</h2>",
        t("腾退进度（按完成月份）", "Vacated land by month")
    );
    if v.timeline.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p></section>",
            t("尚无已完成的腾退记录。", "No vacated record is done yet.")
        );
        return;
    }
    let months = &v.timeline;
    let chart = Chart::new(months, target_mu);
    let _ = writeln!(
        h,
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" font-size=\"13\">",
        chart.w, chart.ht
    );
    chart.grid(h);
    chart.bars(h, months, lang);
    chart.cumulative(h, months);
    chart.goal(h, target_mu, lang);
    let (x0, x1, y1) = (chart.x0, chart.x1, chart.y1);
    let _ = writeln!(
        h,
        "<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{y1}\" y2=\"{y1}\" stroke=\"#52606d\"/>"
    );
    let between = undated_note(v, chart.cum_max, lang);
    let _ = writeln!(
        h,
        "</svg></figure><p class=\"note\"><span class=\"dot\" style=\"background:#a6d96a\"></span>{} <span class=\"dot\" style=\"background:#1a9641\"></span>{} {}</p></section>",
        t("当月新增（亩）", "added in the month (mu)"),
        t("累计（亩）", "cumulative (mu)"),
        escape(&between)
    );
}

/// The time line's chart: its size, the plot area, the value axis and
/// the slot each month takes.
struct Chart {
    w: f64,
    ht: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    /// The axis's top and step (mu).
    top: f64,
    step: f64,
    slot: f64,
    /// The running total at its end (mu).
    cum_max: f64,
    /// Whether the goal is near enough to draw to scale.
    target_shown: bool,
}

impl Chart {
    /// Scales the chart to the running total, and to the goal when it is
    /// no more than three times the total.
    fn new(months: &[Month], target_mu: f64) -> Chart {
        let (w, ht) = (1100.0, 340.0);
        let (x0, x1, y0, y1) = (70.0, w - 30.0, 30.0, ht - 50.0);
        let cum_max = months
            .iter()
            .map(|m| m2_to_mu(m.cumulative_m2))
            .fold(0.0, f64::max);
        let target_shown = target_mu <= 3.0 * cum_max.max(f64::MIN_POSITIVE);
        let top = if target_shown {
            target_mu.max(cum_max) * 1.08
        } else {
            cum_max * 1.2
        }
        .max(1.0);
        // Round axis steps: 1, 2 or 5 × 10ⁿ, four to eight of them.
        let raw = top / 5.0;
        let p = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|k| k * p)
            .find(|&s| top / s <= 8.0)
            .unwrap_or(10.0 * p);
        Chart {
            w,
            ht,
            x0,
            x1,
            y0,
            y1,
            top: (top / step).ceil() * step,
            step,
            slot: (x1 - x0) / months.len() as f64,
            cum_max,
            target_shown,
        }
    }

    /// The y of `mu` on the axis.
    fn y(&self, mu: f64) -> f64 {
        self.y1 - (self.y1 - self.y0) * mu / self.top
    }

    /// The x of the middle of month `i`'s slot.
    fn cx(&self, i: usize) -> f64 {
        self.x0 + self.slot * (i as f64 + 0.5)
    }

    /// The value axis: a grid line and a label at each step.
    fn grid(&self, h: &mut String) {
        let (x0, x1, step) = (self.x0, self.x1, self.step);
        let mut k = 0.0;
        while k <= self.top + 1e-9 {
            let _ = writeln!(
                h,
                "<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e4e7eb\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#52606d\">{}</text>",
                x0 - 8.0,
                self.y(k) + 4.0,
                num(k, if step < 1.0 { 2 } else { 0 }),
                y = self.y(k)
            );
            k += step;
        }
    }

    /// A bar of the land added each month, and the month under it (every
    /// nth month when there are over twelve).
    fn bars(&self, h: &mut String, months: &[Month], lang: Lang) {
        let label_every = months.len().div_ceil(12);
        let y1 = self.y1;
        for (i, m) in months.iter().enumerate() {
            let cx = self.cx(i);
            let added = m2_to_mu(m.added_m2);
            let bw = (self.slot * 0.6).min(60.0);
            let _ = writeln!(
                h,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"#a6d96a\"><title>{} {} {}</title></rect>",
                cx - bw / 2.0,
                self.y(added),
                y1 - self.y(added),
                escape(&m.month),
                mu(added),
                lang.pick("亩", "mu")
            );
            if i % label_every == 0 {
                let _ = writeln!(
                    h,
                    "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#52606d\">{}</text>",
                    y1 + 20.0,
                    escape(&m.month)
                );
            }
        }
    }

    /// The running total: a line through the months, a labelled dot on
    /// each.
    fn cumulative(&self, h: &mut String, months: &[Month]) {
        let mut line = String::new();
        for (i, m) in months.iter().enumerate() {
            let _ = write!(
                line,
                "{}{:.1} {:.1}",
                if i == 0 { "M" } else { "L" },
                self.cx(i),
                self.y(m2_to_mu(m.cumulative_m2))
            );
        }
        let _ = writeln!(
            h,
            "<path d=\"{line}\" fill=\"none\" stroke=\"#1a9641\" stroke-width=\"3\" stroke-linejoin=\"round\"/>"
        );
        for (i, m) in months.iter().enumerate() {
            let cx = self.cx(i);
            let cum = m2_to_mu(m.cumulative_m2);
            let _ = writeln!(
                h,
                "<circle cx=\"{cx:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"#1a9641\" stroke=\"#fff\" stroke-width=\"1.5\"/><text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#0b5e27\" font-weight=\"700\">{}</text>",
                self.y(cum),
                self.y(cum) - 10.0,
                mu(cum)
            );
        }
    }

    /// The year's goal: a dashed line when in sight, else an arrow with
    /// the share reached.
    fn goal(&self, h: &mut String, target_mu: f64, lang: Lang) {
        let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
        let (x0, x1) = (self.x0, self.x1);
        let goal_text = format!(
            "{} {} {}",
            t("年度目标", "Goal"),
            mu(target_mu),
            t("亩", "mu")
        );
        if self.target_shown {
            let _ = writeln!(
                h,
                "<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{ty:.1}\" y2=\"{ty:.1}\" stroke=\"#d7191c\" stroke-width=\"2\" stroke-dasharray=\"8 5\"/><text x=\"{x1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#d7191c\" font-weight=\"700\">{}</text>",
                self.y(target_mu) - 7.0,
                escape(&goal_text),
                ty = self.y(target_mu)
            );
        } else {
            let _ = writeln!(
                h,
                "<text x=\"{x1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#d7191c\" font-weight=\"700\">↑ {} ({} {})</text>",
                self.y0 - 10.0,
                escape(&goal_text),
                t("已完成", "reached"),
                percent(self.cum_max / target_mu)
            );
        }
    }
}

/// What lies between the time line's total (`dated_mu`, done records by
/// their completion date) and the headline's (every done record): empty
/// when nothing does.
fn undated_note(v: &Vacated, dated_mu: f64, lang: Lang) -> String {
    let gross_mu = m2_to_mu(v.gross_m2);
    let undated = v.records.iter().filter(|r| r.undated).count();
    if undated > 0 && gross_mu - dated_mu >= 0.005 {
        match lang {
        Lang::Zh => format!(
            "时间轴只计有完成日期的已腾退记录（{} 亩）；另有 {} 条已腾退记录缺完成日期，再计 {} 亩，合计 {} 亩，即上方的腾退总量。",
            mu(dated_mu),
            undated,
            mu(gross_mu - dated_mu),
            mu(gross_mu)
        ),
        Lang::En => format!(
            "The line counts done records with a completion date ({} mu); {} more done records have none and add {} mu, for the {} mu of the headline.",
            mu(dated_mu),
            undated,
            mu(gross_mu - dated_mu),
            mu(gross_mu)
        ),
        }
    } else {
        String::new()
    }
}

/// Failed checks of the vacated records, one row each, in the order of
/// `vacated_checks.csv`.
fn checks(h: &mut String, o: &Outcome, lang: Lang) {
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let rows = vacated_check_rows(o);
    // one row per failed check; a record may fail several
    let records = failing_records(o);
    let _ = writeln!(
        h,
        "<section id=\"checks\"><h2>{} <span class=\"{}\">{}</span> <small>{}</small></h2>",
        t("腾退核查未通过", "Vacated-land checks failed"),
        if rows.is_empty() { "ok" } else { "bad" },
        rows.len(),
        match lang {
            Lang::Zh => format!("项，涉及 {records} 条记录"),
            Lang::En => format!("checks, on {records} records"),
        }
    );
    if rows.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"ok\">{}</p></section>",
            t(
                "全部腾退记录通过核查。",
                "Every vacated record passes its checks."
            )
        );
        return;
    }
    let _ = writeln!(
        h,
        "<div class=\"scroll\"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t("核查项", "Check"),
        t("记录", "Record"),
        t("状态", "Status"),
        t("说明", "Detail")
    );
    let more = rows.len().saturating_sub(MAX_ROWS);
    for r in rows.into_iter().take(MAX_ROWS) {
        let detail = escape(&vocab::check_detail(&r.detail, lang));
        let _ = writeln!(
            h,
            "<tr><td><span class=\"tag\" style=\"background:#7b3294\">{}</span></td><td>{}</td><td>{}</td><td>{detail}</td></tr>",
            r.check.term().get(lang),
            escape(&r.record),
            r.status.vacated_term().get(lang)
        );
    }
    table_end(h, more, "vacated_checks.csv", lang);
}

/// A cell of an output table as the report shows it.
fn shown(v: &Value, kind: Kind, lang: Lang) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => vocab::yes_no(*b).get(lang).to_string(),
        Value::Int(i) => num(*i as f64, 0),
        Value::Num(x) | Value::NumAs(x, _) => match kind {
            Kind::Real {
                shown: Shown::Percent,
                ..
            } => percent(*x),
            Kind::Real {
                shown: Shown::Thousands,
                ..
            } => num(*x, 0),
            Kind::Real { decimals, .. } => num(*x, decimals.min(2)),
            _ => num(*x, 2),
        },
        Value::Text(t) | Value::Code(_, t) => escape(t),
        Value::Date(d) => d.to_string(),
        Value::List(items) => escape(
            &items
                .iter()
                .map(|(_, label)| label.as_ref())
                .collect::<Vec<_>>()
                .join(lang.pick("、", ", ")),
        ),
    }
}

/// An output table as an HTML table: its labels, its rows (numbers right
/// aligned).
fn html_table<R: Sync>(h: &mut String, table: &Table<R>, lang: Lang) {
    let columns = &table.columns;
    let numeric = |k: Kind| matches!(k, Kind::Int | Kind::Real { .. });
    h.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for c in columns {
        let _ = write!(
            h,
            "<th{}>{}</th>",
            if numeric(c.kind) { " class=\"n\"" } else { "" },
            escape(c.label.get(lang))
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        h.push_str("<tr>");
        for c in columns {
            let _ = write!(
                h,
                "<td{}>{}</td>",
                if numeric(c.kind) { " class=\"n\"" } else { "" },
                shown(&c.value(row), c.kind, lang)
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>");
}

/// The placement plan: who goes into which park, what is left over, and
/// the parks' room before and after.
fn placement(h: &mut String, o: &Outcome, s: &Summary, lang: Lang) {
    let (Some(p), Some(plan)) = (&s.placement, &o.placement) else {
        return;
    };
    let (km, m2) = (vocab::KM.get(lang), vocab::M2.get(lang));
    let _ = writeln!(
        h,
        "<section id=\"placement\"><h2>{}</h2>",
        crate::placement::PLAN.get(lang)
    );
    let reasons: Vec<String> = plan
        .by_reason()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| match lang {
            Lang::Zh => format!("{} {n} 家", r.term().get(lang)),
            Lang::En => format!("{}: {n}", r.term().get(lang).to_lowercase()),
        })
        .collect();
    let proof = match (p.proved_optimal, lang) {
        (true, Lang::Zh) => "已证明为最优".to_string(),
        (true, Lang::En) => "proved optimal".to_string(),
        (false, Lang::Zh) => format!(
            "下界 {} {km}，与最优至多相差 {}",
            num(p.lower_bound_km, 1),
            percent(p.gap)
        ),
        (false, Lang::En) => format!(
            "lower bound {} {km}, at most {} above the optimum",
            num(p.lower_bound_km, 1),
            percent(p.gap)
        ),
    };
    let reach = o.project.rules.placement.max_move_km;
    let _ = match lang {
        Lang::Zh => writeln!(
            h,
            "<p>拟入园（含可入园的搬迁）整治对象 <b>{}</b> 家，安置入园 <b>{}</b> 家，用房 {} {m2}，搬迁总距离 {} {km}（{}，最远 {} {km}内）；未安置 <b>{}</b> 家{}。仍需新建园区用房 <b>{}</b> {m2}。</p>",
            p.sought,
            p.placed,
            num(p.placed_m2, 0),
            num(p.distance_km, 1),
            proof,
            num(reach, 0),
            p.unplaced,
            if reasons.is_empty() { String::new() } else { format!("：{}", reasons.join("，")) },
            num(p.new_floor_needed_m2, 0)
        ),
        Lang::En => writeln!(
            h,
            "<p>Targets seeking a park (relocations included): <b>{}</b>; placed: <b>{}</b>, needing {} {m2}, moved {} {km} in all ({}, none beyond {} {km}); not placed: <b>{}</b>{}. New park floor still needed: <b>{}</b> {m2}.</p>",
            p.sought,
            p.placed,
            num(p.placed_m2, 0),
            num(p.distance_km, 1),
            proof,
            num(reach, 0),
            p.unplaced,
            if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join("; ")) },
            num(p.new_floor_needed_m2, 0)
        ),
    };
    html_table(h, &crate::placement::park_rooms(o, lang), lang);
    let plan = crate::placement::PLAN.get(lang);
    let _ = match lang {
        Lang::Zh => writeln!(
            h,
            "<p class=\"note\">逐家安置去向、搬迁距离、用房面积及其来源、未安置原因见台账“{plan}”表。</p></section>"
        ),
        Lang::En => writeln!(
            h,
            "<p class=\"note\">Each firm's park, distance, floor area and its source, or why it has none: placements.csv and the ledger's {plan} sheet.</p></section>"
        ),
    };
}

/// Rows a list shows; the rest are in the CSV it names.
const MAX_ROWS: usize = 100;
/// Block ids listed in a sentence, at most.
const MAX_IDS: usize = 20;

fn table_end(h: &mut String, more: usize, csv: &str, lang: Lang) {
    table_end_with(h, more, csv, "", lang);
}

/// Closes a table's section, with a `note` (HTML) under the table.
fn table_end_with(h: &mut String, more: usize, csv: &str, note: &str, lang: Lang) {
    h.push_str("</tbody></table></div>");
    if more > 0 {
        let _ = write!(
            h,
            "<p class=\"note\">{} {more} {} {csv}</p>",
            lang.pick("另有", "… and"),
            lang.pick("条，见", "more in")
        );
    }
    h.push_str(note);
    h.push_str("</section>\n");
}

fn overdue(h: &mut String, o: &Outcome, lang: Lang) {
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let list = &o.targets.overdue;
    let _ = writeln!(
        h,
        "<section id=\"overdue\"><h2>{} <span class=\"{}\">{}</span></h2>",
        t("逾期未销号的整治对象", "Overdue targets"),
        if list.is_empty() { "ok" } else { "bad" },
        list.len()
    );
    if list.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"ok\">{}</p></section>",
            t("没有逾期的整治对象。", "No target is overdue.")
        );
        return;
    }
    let _ = writeln!(
        h,
        "<div class=\"scroll\"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>",
        t("企业名称", "Name"),
        t("统一社会信用代码", "Credit code"),
        vocab::TOWNSHIP.get(lang),
        t("销号期限", "Deadline"),
        t("逾期天数", "Days late"),
        t("处置方式", "Disposition")
    );
    // The longest overdue first.
    let mut list = list.clone();
    list.sort_by_key(|&e| o.model.enterprises[e].deadline);
    let more = list.len().saturating_sub(MAX_ROWS);
    for &e in list.iter().take(MAX_ROWS) {
        let ent = &o.model.enterprises[e];
        let township = o.enterprise_township[e]
            .as_deref()
            .map(|c| o.township_names.get(c).map_or(c, String::as_str))
            .unwrap_or("");
        let disposition = o.assessments[e].disposition;
        let days = ent
            .deadline
            .map(|d| o.as_of.days_since_epoch() - d.days_since_epoch());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n bad\">{}</td><td>{}</td></tr>",
            escape(&ent.name),
            escape(&ent.credit_code),
            escape(township),
            ent.deadline.map(|d| d.to_string()).unwrap_or_default(),
            days.map(|d| d.to_string()).unwrap_or_default(),
            disposition.map_or(String::new(), |d| format!(
                "<span class=\"dot\" style=\"background:{}\"></span>{}",
                disposition_colour(d),
                escape(d.term().get(lang))
            ))
        );
    }
    table_end(h, more, "targets.csv", lang);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tudi_core::config::Project;

    /// The hand-made parks / vacated-land fixture, analysed.
    pub(crate) fn land_fixture() -> Outcome {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/land/project.toml");
        let project = Project::load(&path).unwrap();
        let model = tudi_read::load::load(&project).unwrap();
        tudi_core::analysis::run(project, model, &mut |_| {})
    }

    fn report(o: &Outcome, lang: Lang) -> String {
        let map = district_map(o, lang, 1600);
        report_html(o, &o.summary(), lang, &map)
    }

    /// Every element opened is closed, in order (void elements and
    /// self-closed SVG elements aside), and every `&` starts an entity.
    fn check_balanced(html: &str) -> std::result::Result<(), String> {
        const VOID: [&str; 4] = ["meta", "link", "br", "hr"];
        let mut stack: Vec<String> = Vec::new();
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            let text = &rest[..i];
            for (k, _) in text.match_indices('&') {
                let entity = &text[k..text[k..].find(';').map_or(text.len(), |e| k + e + 1)];
                if !["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(&entity) {
                    return Err(format!("bare & in {text:?}"));
                }
            }
            rest = &rest[i + 1..];
            let end = rest.find('>').ok_or("a tag is not closed")?;
            let tag = &rest[..end];
            rest = &rest[end + 1..];
            if tag.starts_with('!') {
                continue;
            }
            if let Some(name) = tag.strip_prefix('/') {
                match stack.pop() {
                    Some(open) if open == name => continue,
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
            }
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or_default();
            if tag.ends_with('/') || VOID.contains(&name) {
                continue;
            }
            if name == "style" {
                let end = rest.find("</style>").ok_or("<style> is not closed")?;
                rest = &rest[end + "</style>".len()..];
                continue;
            }
            stack.push(name.to_string());
        }
        if stack.is_empty() {
            Ok(())
        } else {
            Err(format!("left open: {stack:?}"))
        }
    }

    #[test]
    fn the_checker_catches_bad_html() {
        assert!(check_balanced("<p><b>x</b></p>").is_ok());
        assert!(check_balanced("<p><b>x</p></b>").is_err());
        assert!(check_balanced("<div><p>x</p>").is_err());
        assert!(check_balanced("<p>a & b</p>").is_err());
    }

    #[test]
    fn the_report_is_balanced_self_contained_html_with_every_section() {
        let o = land_fixture();
        for lang in [Lang::Zh, Lang::En] {
            let html = report(&o, lang);
            check_balanced(&html).unwrap();
            for id in [
                "headline",
                "targets",
                "map",
                "townships",
                "timeline",
                "checks",
                "overdue",
            ] {
                assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
            }
            // Nothing to fetch and nothing to run.
            assert!(!html.contains("<script"));
            let outside = html
                .match_indices("http")
                .filter(|(i, _)| !html[*i..].starts_with("http://www.w3.org/2000/svg"))
                .count();
            assert_eq!(outside, 0, "no link leaves the file");
            assert_eq!(html, report(&o, lang), "same data, same bytes");
        }
    }

    #[test]
    fn every_goal_appears_with_its_figures() {
        let o = land_fixture();
        let html = report(&o, Lang::Zh);
        let row = |goal: &str, nth: usize| -> &str {
            let key = format!("data-goal=\"{goal}\"");
            let start = html.match_indices(&key).nth(nth).expect(goal).0;
            let len = html[start..].find('\n').unwrap();
            &html[start..start + len]
        };
        // Hand-worked (tests/land.rs): 89.55 of 2 000 mu, 75.75 of 1 500.
        assert!(row("vacated_mu", 0).contains("<b>89.55</b> / 2,000.00 亩 · <b>4.5%</b>"));
        assert!(row("effective_mu", 0).contains("<b>75.75</b> / 1,500.00 亩 · <b>5.1%</b>"));
        assert!(row("remediated", 0).contains("<b>2</b> / 400 家 · <b>0.5%</b>"));
        assert!(row("new_parks", 0).contains("<b>1</b> / 5 个 · <b>20.0%</b>"));
        assert!(row("new_park_floor_m2", 0).contains("<b>100,000</b> / 250,000 ㎡"));
        // The township goal: 新城街道 69.75 of 100 mu.
        let township = row("vacated_mu", 1);
        assert!(township.contains("新城街道 · 腾退土地"), "{township}");
        assert!(township.contains("<b>69.75</b> / 100.00 亩 · <b>69.8%</b>"));
        for (name, _) in &o.summary().targets.0 {
            assert!(html.contains(&format!("data-goal=\"{name}\"")), "{name}");
        }
    }

    #[test]
    fn a_goal_without_data_says_so() {
        let mut o = land_fixture();
        o.model.buildings = None;
        let mut s = o.summary();
        s.targets.0.retain(|(n, _)| n == "new_park_floor_m2");
        s.targets.0[0].1.achieved = None;
        s.targets.0[0].1.progress = None;
        let map = district_map(&o, Lang::En, 800);
        let html = report_html(&o, &s, Lang::En, &map);
        assert!(html.contains("<div class=\"bar nodata\">"));
        assert!(html.contains("no data / 250,000 m²"));
    }

    #[test]
    fn chinese_by_default_english_on_request() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!("en".parse::<Lang>(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().is_err());
        let o = land_fixture();
        let zh = report(&o, Lang::Zh);
        let en = report(&o, Lang::En);
        for label in [
            "年度目标完成情况",
            "逾期未销号的整治对象",
            "腾退核查未通过",
            "图例",
        ] {
            assert!(zh.contains(label), "{label}");
            assert!(!en.contains(label), "{label}");
        }
        for label in ["Overdue targets", "Vacated-land checks failed", "Legend"] {
            assert!(en.contains(label), "{label}");
        }
        assert!(zh.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
        assert!(en.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    }

    #[test]
    fn failed_checks_and_overdue_targets_are_listed() {
        let o = land_fixture();
        let html = report(&o, Lang::Zh);
        let section = |id: &str| {
            let start = html.find(&format!("<section id=\"{id}\">")).unwrap();
            &html[start..start + html[start..].find("</section>").unwrap()]
        };
        let checks = section("checks");
        // One row per failed check of vacated_checks.csv.
        assert_eq!(checks.matches("<tr><td><span class=\"tag\"").count(), 5);
        assert!(checks.contains("与 TT-02 重叠 3.00 亩"));
        assert!(checks.contains("申报 3.00 亩，实测 2.40 亩（+25.0%）"));
        assert!(checks.contains("仍在厂（91330411MA2B00001M）仍在腾退地块上"));
        let overdue = section("overdue");
        // 仍在厂: pending, deadline 2020-09-30, 92 days before 2020-12-31.
        assert!(overdue.contains(
            "<td>仍在厂</td><td>91330411MA2B00001M</td><td>新城街道</td><td>2020-09-30</td><td class=\"n bad\">92</td>"
        ));
        assert_eq!(overdue.matches("<tr><td>").count(), 1);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let mut o = land_fixture();
        o.project.project.name = "<script>alert(1)</script> & co".into();
        let html = report(&o, Lang::Zh);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
        check_balanced(&html).unwrap();
    }

    #[test]
    fn numbers_have_fixed_decimals_and_thousands() {
        assert_eq!(num(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(num(999.0, 0), "999");
        assert_eq!(num(-1234.5, 1), "-1,234.5");
        assert_eq!(num(-0.001, 2), "0.00");
        assert_eq!(percent(0.04477), "4.5%");
    }

    #[test]
    fn time_progress_is_the_share_of_the_year_gone_by() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(time_progress(d("2020-12-31"), 2020), 1.0);
        assert_eq!(time_progress(d("2019-06-30"), 2020), 0.0);
        assert!((time_progress(d("2020-07-01"), 2020) - 183.0 / 366.0).abs() < 1e-12);
    }
}
