//! The enterprise ledger as planners get it: an Excel workbook with Chinese
//! headers (a title row above them, a year in front, units in brackets,
//! one grade column per year, numbers and dates in typed cells), or a
//! `.dbf` read through GDAL, gives the very figures of the sample's CSV.

mod common;

use std::path::Path;

use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// The sample ledger's rows: header → cell text.
fn sample_rows() -> (Vec<String>, Vec<Vec<String>>) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut r = csv::Reader::from_path(data.join("enterprises.csv")).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|row| row.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The sample ledger as a 亩均效益 workbook: a title row, Chinese headers,
/// revenue in 元 for two years (the latest counts), land in m², the four
/// years' grades in their own columns, numbers and dates in typed cells,
/// Chinese statuses, and a second sheet of notes.
fn write_workbook(path: &Path) {
    let (header, rows) = sample_rows();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("台账").unwrap();
    sheet
        .merge_range(0, 0, 0, 8, "秀洲区2020年亩均效益评价台账", &Format::new())
        .unwrap();
    let years = 4;
    let mut headers = vec![
        "序号",
        "统一社会信用代码",
        "企业名称",
        "行业代码",
        "2019年营业收入（元）",
        "2020年营业收入（元）",
        "2020年 实缴税金（万元）",
        "用地面积（平方米）",
    ];
    let grade_headers: Vec<String> = (0..years)
        .map(|i| format!("{}年亩均效益评价等级", 2017 + i))
        .collect();
    headers.extend(grade_headers.iter().map(String::as_str));
    headers.extend([
        "经度",
        "纬度",
        "坐标系",
        "整治状态",
        "销号期限",
        "厂房面积（平方米）",
    ]);
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (i, row) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        let cell = |n: &str| row[col(n)].trim().to_string();
        let number = |n: &str| cell(n).parse::<f64>().unwrap();
        sheet.write_number(r, 0, (i + 1) as f64).unwrap();
        sheet.write_string(r, 1, cell("credit_code")).unwrap();
        sheet.write_string(r, 2, cell("name")).unwrap();
        match cell("industry").parse::<f64>() {
            Ok(v) => sheet.write_number(r, 3, v).unwrap(),
            Err(_) => sheet.write_string(r, 3, cell("industry")).unwrap(),
        };
        // last year's figure, which must not be read
        sheet.write_number(r, 4, 1.0).unwrap();
        // in 元: an exact multiple, so 万元 is read back to the bit
        sheet
            .write_number(r, 5, (number("revenue") * 10_000.0).round())
            .unwrap();
        sheet.write_number(r, 6, number("tax")).unwrap();
        if !cell("land_mu").is_empty() {
            sheet
                .write_number(r, 7, number("land_mu") * 10_000.0 / 15.0)
                .unwrap();
        }
        let grades: Vec<String> = cell("grades").split(',').map(String::from).collect();
        // a firm graded fewer years has the early years blank
        for (k, g) in grades.iter().rev().enumerate() {
            sheet
                .write_string(r, (8 + years - 1 - k) as u16, format!("{g}类"))
                .unwrap();
        }
        let c = 8 + years as u16;
        sheet.write_number(r, c, number("lon")).unwrap();
        sheet.write_number(r, c + 1, number("lat")).unwrap();
        sheet.write_string(r, c + 2, cell("coord_sys")).unwrap();
        let status = match cell("status").as_str() {
            "done" => "已销号",
            "pending" => "未销号",
            "" => "",
            other => panic!("status {other}"),
        };
        sheet.write_string(r, c + 3, status).unwrap();
        if let Some((y, rest)) = cell("deadline").split_once('-') {
            let (m, d) = rest.split_once('-').unwrap();
            let dt =
                ExcelDateTime::from_ymd(y.parse().unwrap(), m.parse().unwrap(), d.parse().unwrap())
                    .unwrap();
            sheet
                .write_datetime_with_format(r, c + 4, &dt, &date)
                .unwrap();
        }
        if !cell("floor_m2").is_empty() {
            sheet.write_number(r, c + 5, number("floor_m2")).unwrap();
        }
    }
    let notes = book.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "数据来源：区经信局").unwrap();
    book.save(path).unwrap();
}

/// A run's summary without its warnings, which name the file and field.
fn figures(out: &Path) -> serde_json::Value {
    let mut s = json(&out.join("summary.json"));
    let warnings = s.as_object_mut().unwrap().remove("warnings").unwrap();
    assert!(warnings.as_array().unwrap().len() > 3);
    s
}

fn enterprises_layer(project: &Path, body: &str) {
    let text = std::fs::read_to_string(project).unwrap();
    let start = text.find("[layers.enterprises]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let text = format!("{}{}{}", &text[..start], body.trim_end(), &text[end..]);
    std::fs::write(project, text).unwrap();
}

#[test]
fn a_chinese_workbook_gives_the_figures_of_the_sample_csv() {
    let csv_out = run_ok(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml"),
        "ledger-csv",
    );
    let dir = sample("ledger-xlsx", |d| {
        write_workbook(&d.join("台账.xlsx"));
        enterprises_layer(
            &d.join("project.toml"),
            "[layers.enterprises]\npath = \"台账.xlsx\"\nlayer = \"台账\"\ncrs = \"EPSG:4490\"\ncrs_field = \"坐标系\"\n",
        );
    });
    let xlsx_out = run_ok(&dir.join("project.toml"), "ledger-xlsx-run");
    assert_eq!(figures(&xlsx_out), figures(&csv_out));
    // every firm, its disposition and its figures as the CSV gave them
    let firms = |d: &Path| {
        let mut v: Vec<String> = json(&d.join("enterprises.geojson"))["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let mut p = f["properties"].clone();
                p.as_object_mut().unwrap().remove("feature");
                format!("{p} {}", f["geometry"])
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(firms(&xlsx_out), firms(&csv_out));
}

#[test]
fn a_workbook_of_several_sheets_says_which_to_choose() {
    let dir = sample("ledger-sheets", |d| {
        write_workbook(&d.join("台账.xlsx"));
        enterprises_layer(
            &d.join("project.toml"),
            "[layers.enterprises]\npath = \"台账.xlsx\"\ncrs = \"EPSG:4490\"\ncrs_field = \"坐标系\"\n",
        );
    });
    let (code, err, _) = run_in(&dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("台账.xlsx") && err.contains("台账, 说明"),
        "{err}"
    );
    assert!(err.contains("layer = "), "{err}");
    // a sheet that is not there: the ones that are
    replace(
        &dir.join("project.toml"),
        "path = \"台账.xlsx\"",
        "path = \"台账.xlsx\"\nlayer = \"2020\"",
    );
    let (code, err, _) = run_in(&dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no such sheet") && err.contains("台账, 说明"),
        "{err}"
    );
}

#[test]
fn an_unknown_unit_and_a_bad_cell_are_named_by_header_and_excel_row() {
    let dir = sample("ledger-bad", |d| {
        let path = d.join("台账.xlsx");
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        let head = [
            "统一社会信用代码",
            "企业名称",
            "行业代码",
            "营业收入（美元）",
            "实缴税金",
            "评价等级",
            "经度",
            "纬度",
        ];
        for (c, h) in head.iter().enumerate() {
            s.write_string(0, c as u16, *h).unwrap();
        }
        let row = [
            "91330411MA2W3FTCXU",
            "嘉兴市昌祥羊毛衫有限公司",
            "1820",
            "67.45",
            "2.99",
            "C",
        ];
        for r in 1..=2 {
            for (c, v) in row.iter().enumerate() {
                s.write_string(r, c as u16, *v).unwrap();
            }
            s.write_number(r, 6, 120.65).unwrap();
        }
        s.write_number(1, 7, 30.77).unwrap();
        s.write_string(2, 7, "三十度").unwrap();
        book.save(&path).unwrap();
        enterprises_layer(
            &d.join("project.toml"),
            "[layers.enterprises]\npath = \"台账.xlsx\"\ncrs = \"EPSG:4490\"\n",
        );
    });
    let (code, err, _) = run_in(&dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("营业收入（美元）") && err.contains("'美元'"),
        "{err}"
    );
    let (code, err, _) = {
        replace(
            &dir.join("project.toml"),
            "crs = \"EPSG:4490\"",
            "crs = \"EPSG:4490\"\n[layers.enterprises.fields]\nrevenue = \"实缴税金\"",
        );
        run_in(&dir)
    };
    assert_eq!(code, 2, "{err}");
    // the spreadsheet's own row 3 (the header is row 1)
    assert!(
        err.contains("feature 3") && err.contains("纬度") && err.contains("三十度"),
        "{err}"
    );
}

#[test]
fn a_dbf_table_through_gdal_takes_x_and_y_columns() {
    let dir = sample("ledger-dbf", |d| {
        let (header, rows) = sample_rows();
        let col = |n: &str| header.iter().position(|h| h == n).unwrap();
        let names = [
            ("CODE", "credit_code"),
            ("NAME", "name"),
            ("INDUSTRY", "industry"),
            ("REVENUE", "revenue"),
            ("TAX", "tax"),
            ("LAND_MU", "land_mu"),
            ("FLOOR_M2", "floor_m2"),
            ("GRADES", "grades"),
            ("X", "lon"),
            ("Y", "lat"),
            ("CRS", "coord_sys"),
            ("STATUS", "status"),
            ("DEADLINE", "deadline"),
        ];
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                names
                    .iter()
                    .map(|(_, c)| r[col(c)].trim().to_string())
                    .collect()
            })
            .collect();
        let fields: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        std::fs::write(d.join("ledger.dbf"), dbf(&fields, &table)).unwrap();
        std::fs::write(d.join("ledger.cpg"), "UTF-8").unwrap();
        enterprises_layer(
            &d.join("project.toml"),
            "[layers.enterprises]\npath = \"ledger.dbf\"\ncrs = \"EPSG:4490\"\nx = \"X\"\ny = \"Y\"\ncrs_field = \"CRS\"\n[layers.enterprises.fields]\ncredit_code = \"CODE\"\nname = \"NAME\"\nindustry = \"INDUSTRY\"\nrevenue = \"REVENUE\"\ntax = \"TAX\"\nland_mu = \"LAND_MU\"\nfloor_m2 = \"FLOOR_M2\"\ngrades = \"GRADES\"\nstatus = \"STATUS\"\ndeadline = \"DEADLINE\"\n",
        );
    });
    let csv_out = run_ok(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml"),
        "ledger-dbf-csv",
    );
    let dbf_out = run_ok(&dir.join("project.toml"), "ledger-dbf-run");
    assert_eq!(figures(&dbf_out), figures(&csv_out));
}

/// A dBase III table of text fields, written by hand (the format is a
/// header, one 32-byte descriptor per field and fixed-width records).
fn dbf(fields: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let widths: Vec<usize> = (0..fields.len())
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0).max(1))
        .collect();
    let header_len = 32 + 32 * fields.len() + 1;
    let record_len = 1 + widths.iter().sum::<usize>();
    let mut b = vec![0x03, 120, 1, 1];
    b.extend((rows.len() as u32).to_le_bytes());
    b.extend((header_len as u16).to_le_bytes());
    b.extend((record_len as u16).to_le_bytes());
    b.resize(32, 0);
    for (name, w) in fields.iter().zip(&widths) {
        let mut d = name.as_bytes().to_vec();
        d.resize(11, 0);
        d.push(b'C');
        d.extend([0; 4]);
        d.push(*w as u8);
        d.push(0);
        d.resize(32, 0);
        b.extend(d);
    }
    b.push(0x0D);
    for r in rows {
        b.push(b' ');
        for (v, w) in r.iter().zip(&widths) {
            let mut cell = v.as_bytes().to_vec();
            cell.resize(*w, b' ');
            b.extend(cell);
        }
    }
    b.push(0x1A);
    b
}

/// A ledger that gives each firm's parcel number (图斑编号) instead of
/// coordinates: every firm lands in the parcel named, and so has the
/// parcel-based facts it had at its surveyed point; firms without either
/// stay as they were, and a number no parcel has names its row.
#[test]
fn a_ledger_of_parcel_numbers_places_each_firm_on_its_parcel() {
    let csv_out = run_ok(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml"),
        "ledger-parcel-csv",
    );
    let placed = json(&csv_out.join("enterprises.geojson"));
    let placed = placed["features"].as_array().unwrap();
    let (header, rows) = sample_rows();
    assert_eq!(placed.len(), rows.len());
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let write = |d: &Path, rows: &[Vec<String>]| {
        let mut w = csv::Writer::from_path(d.join("enterprises.csv")).unwrap();
        let mut h = header.clone();
        h.push("图斑编号".into());
        w.write_record(&h).unwrap();
        for (row, f) in rows.iter().zip(placed) {
            assert_eq!(
                f["properties"]["name"].as_str().unwrap(),
                row[col("name")].trim()
            );
            let mut row = row.clone();
            let parcel = f["properties"]["parcel_id"]
                .as_str()
                .unwrap_or("")
                .to_string();
            // a firm on a parcel loses its coordinates
            if !parcel.is_empty() {
                row[col("lon")].clear();
                row[col("lat")].clear();
            }
            row.push(parcel);
            w.write_record(&row).unwrap();
        }
    };
    let dir = sample("ledger-parcel", |d| {
        write(d, &rows);
        replace(
            &d.join("project.toml"),
            "crs_field = \"coord_sys\"",
            "crs_field = \"coord_sys\"\nparcel = \"图斑编号\"",
        );
    });
    let out = run_ok(&dir.join("project.toml"), "ledger-parcel-run");
    let again = json(&out.join("enterprises.geojson"));
    let again = again["features"].as_array().unwrap();
    let mut moved = 0;
    for (a, b) in placed.iter().zip(again) {
        let (a, b) = (&a["properties"], &b["properties"]);
        assert_eq!(a["parcel_id"], b["parcel_id"], "{}", a["name"]);
        for fact in [
            "township",
            "in_village",
            "scattered_plot",
            "no_legal_land",
            "land_mu",
        ] {
            assert_eq!(a[fact], b[fact], "{} {fact}", a["name"]);
        }
        moved += usize::from(!a["parcel_id"].is_null());
    }
    assert!(moved > 500, "{moved} firms placed by parcel");
    assert_eq!(
        json(&out.join("summary.json"))["enterprises"]["unlocated"],
        json(&csv_out.join("summary.json"))["enterprises"]["unlocated"]
    );

    // a parcel number that is not in the parcels layer
    let first = placed
        .iter()
        .position(|f| !f["properties"]["parcel_id"].is_null())
        .unwrap();
    let dir = sample("ledger-parcel-bad", |d| {
        write(d, &rows);
        let text = std::fs::read_to_string(d.join("enterprises.csv")).unwrap();
        let id = placed[first]["properties"]["parcel_id"].as_str().unwrap();
        std::fs::write(
            d.join("enterprises.csv"),
            text.replacen(id, "3304119999999999", 1),
        )
        .unwrap();
        replace(
            &d.join("project.toml"),
            "crs_field = \"coord_sys\"",
            "crs_field = \"coord_sys\"\nparcel = \"图斑编号\"",
        );
    });
    let (code, err, _) = run_in(&dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("feature {}, field 图斑编号", first + 1))
            && err.contains("'3304119999999999'")
            && err.contains("BSM"),
        "{err}"
    );
}

/// The sample ledger as an OpenDocument spreadsheet (LibreOffice, WPS),
/// written by hand: a zip of `mimetype`, the manifest and `content.xml`, numbers and
/// dates in typed cells, gives the sample CSV's figures.
#[test]
fn an_ods_ledger_gives_the_figures_of_the_sample_csv() {
    use std::io::Write;
    let (header, rows) = sample_rows();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let text = |s: &str| {
        format!(
            "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
            escape(s)
        )
    };
    let number = |s: &str| {
        match s.parse::<f64>() {
        Ok(v) => format!(
            "<table:table-cell office:value-type=\"float\" office:value=\"{v}\"><text:p>{s}</text:p></table:table-cell>"
        ),
        Err(_) if s.is_empty() => "<table:table-cell/>".to_string(),
        Err(_) => text(s),
    }
    };
    let date = |s: &str| {
        if s.is_empty() {
            "<table:table-cell/>".to_string()
        } else {
            format!(
                "<table:table-cell office:value-type=\"date\" office:date-value=\"{s}\"><text:p>{s}</text:p></table:table-cell>"
            )
        }
    };
    let heads = [
        ("统一社会信用代码", "credit_code"),
        ("企业名称", "name"),
        ("行业代码", "industry"),
        ("营业收入（万元）", "revenue"),
        ("实缴税金（万元）", "tax"),
        ("用地面积（亩）", "land_mu"),
        ("用房面积", "floor_m2"),
        ("亩均效益评价等级", "grades"),
        ("经度", "lon"),
        ("纬度", "lat"),
        ("坐标系", "coord_sys"),
        ("整治状态", "status"),
        ("销号期限", "deadline"),
    ];
    let mut body = String::from("<table:table-row>");
    for (h, _) in heads {
        body.push_str(&text(h));
    }
    body.push_str("</table:table-row>");
    for row in &rows {
        body.push_str("<table:table-row>");
        for (_, c) in heads {
            let v = row[col(c)].trim();
            body.push_str(&match c {
                "industry" | "revenue" | "tax" | "land_mu" | "floor_m2" | "lon" | "lat" => {
                    number(v)
                }
                "deadline" => date(v),
                _ => text(v),
            });
        }
        body.push_str("</table:table-row>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="台账">{body}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let dir = sample("ledger-ods", |d| {
        let file = std::fs::File::create(d.join("台账.ods")).unwrap();
        let mut z = zip::ZipWriter::new(file);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("mimetype", stored).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        z.start_file(
            "META-INF/manifest.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(
            br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        )
        .unwrap();
        z.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(content.as_bytes()).unwrap();
        z.finish().unwrap();
        enterprises_layer(
            &d.join("project.toml"),
            "[layers.enterprises]\npath = \"台账.ods\"\ncrs = \"EPSG:4490\"\ncrs_field = \"坐标系\"\n",
        );
    });
    let csv_out = run_ok(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml"),
        "ledger-ods-csv",
    );
    let ods_out = run_ok(&dir.join("project.toml"), "ledger-ods-run");
    assert_eq!(figures(&ods_out), figures(&csv_out));
}

/// A point GeoPackage ledger, read through GDAL, with the Chinese headers
/// and no field mapping: revenue in 元 and land in ㎡ are read in 万元 and
/// mu as in a table, so every format counts a figure in one unit.
#[test]
fn a_point_geopackage_ledger_with_chinese_headers_reads_its_units() {
    use gdal::vector::{Feature, LayerAccess, LayerOptions, OGRFieldType};
    let csv_out = run_ok(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml"),
        "ledger-gpkg-csv",
    );
    // the firms' places as the CSV run corrected them (CGCS2000, 7 decimals)
    let placed = json(&csv_out.join("enterprises.geojson"));
    let placed = placed["features"].as_array().unwrap();
    let (header, rows) = sample_rows();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let dir = sample("ledger-gpkg", |d| {
        let driver = gdal::DriverManager::get_driver_by_name("GPKG").unwrap();
        let mut ds = driver.create_vector_only(d.join("台账.gpkg")).unwrap();
        let srs = gdal::spatial_ref::SpatialRef::from_epsg(4490).unwrap();
        let layer = ds
            .create_layer(LayerOptions {
                name: "台账",
                srs: Some(&srs),
                ty: gdal_sys::OGRwkbGeometryType::wkbPoint,
                ..Default::default()
            })
            .unwrap();
        let text = [
            ("统一社会信用代码", "credit_code"),
            ("企业名称", "name"),
            ("行业代码", "industry"),
            ("亩均效益评价等级", "grades"),
            ("整治状态", "status"),
            ("销号期限", "deadline"),
        ];
        for (h, _) in text {
            layer
                .create_defn_fields(&[(h, OGRFieldType::OFTString)])
                .unwrap();
        }
        for h in ["营业收入（元）", "实缴税金", "用地面积（平方米）"] {
            layer
                .create_defn_fields(&[(h, OGRFieldType::OFTReal)])
                .unwrap();
        }
        for (row, f) in rows.iter().zip(placed) {
            let c = f["geometry"]["coordinates"].as_array().unwrap();
            let mut feature = Feature::new(layer.defn()).unwrap();
            for (i, (_, c)) in text.iter().enumerate() {
                feature.set_field_string(i, row[col(c)].trim()).unwrap();
            }
            let number = |n: &str| row[col(n)].trim().parse::<f64>().ok();
            feature
                .set_field_double(6, (number("revenue").unwrap() * 10_000.0).round())
                .unwrap();
            feature.set_field_double(7, number("tax").unwrap()).unwrap();
            if let Some(mu) = number("land_mu") {
                feature.set_field_double(8, mu * 10_000.0 / 15.0).unwrap();
            }
            let wkt = format!("POINT ({} {})", c[0], c[1]);
            feature
                .set_geometry(gdal::vector::Geometry::from_wkt(&wkt).unwrap())
                .unwrap();
            feature.create(&layer).unwrap();
        }
        drop(ds);
        enterprises_layer(
            &d.join("project.toml"),
            "[layers.enterprises]\npath = \"台账.gpkg\"\n",
        );
    });
    let gpkg_out = run_ok(&dir.join("project.toml"), "ledger-gpkg-run");
    let (a, b) = (figures(&gpkg_out), figures(&csv_out));
    for key in ["enterprises", "targets", "overdue", "parks"] {
        assert_eq!(a[key], b[key], "{key}");
    }
}
