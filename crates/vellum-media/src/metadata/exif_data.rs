//! EXIF through the `kamadak-exif` crate: a chosen set of fields under exiftool's names, the
//! GPS position in decimal degrees, and the orientation.

use std::io::Cursor;

use exif::{Exif, In, Tag, Value};
use serde_json::{Map, Number, Value as Json};

use super::Gps;

pub(super) struct ExifData {
    pub fields: Map<String, Json>,
    pub gps: Option<Gps>,
    pub orientation: Option<u16>,
}

/// The fields we keep, under the names exiftool gives them.
const FIELDS: &[(Tag, &str)] = &[
    (Tag::Make, "Make"),
    (Tag::Model, "Model"),
    (Tag::Software, "Software"),
    (Tag::Artist, "Artist"),
    (Tag::Copyright, "Copyright"),
    (Tag::ImageDescription, "ImageDescription"),
    (Tag::Orientation, "Orientation"),
    (Tag::DateTime, "ModifyDate"),
    (Tag::DateTimeOriginal, "DateTimeOriginal"),
    (Tag::DateTimeDigitized, "CreateDate"),
    (Tag::OffsetTimeOriginal, "OffsetTimeOriginal"),
    (Tag::ExposureTime, "ExposureTime"),
    (Tag::FNumber, "FNumber"),
    (Tag::PhotographicSensitivity, "ISO"),
    (Tag::ExposureProgram, "ExposureProgram"),
    (Tag::ExposureBiasValue, "ExposureCompensation"),
    (Tag::MeteringMode, "MeteringMode"),
    (Tag::Flash, "Flash"),
    (Tag::FocalLength, "FocalLength"),
    (Tag::FocalLengthIn35mmFilm, "FocalLengthIn35mmFormat"),
    (Tag::WhiteBalance, "WhiteBalance"),
    (Tag::LensMake, "LensMake"),
    (Tag::LensModel, "LensModel"),
    (Tag::BodySerialNumber, "SerialNumber"),
    (Tag::ColorSpace, "ColorSpace"),
    (Tag::PixelXDimension, "ExifImageWidth"),
    (Tag::PixelYDimension, "ExifImageHeight"),
];

/// Parses a raw TIFF-structured EXIF block.
pub(super) fn parse(tiff: &[u8]) -> Option<ExifData> {
    read(tiff).map(|e| distill(&e))
}

/// Parses EXIF from a whole container file the `exif` crate understands (HEIF).
pub(super) fn parse_container(bytes: &[u8]) -> Option<ExifData> {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let result = reader.read_from_container(&mut Cursor::new(bytes));
    let exif = result.or_else(|e| e.distill_partial_result(|_| {})).ok()?;
    Some(distill(&exif))
}

pub(super) fn orientation(tiff: &[u8]) -> Option<u16> {
    let e = read(tiff)?;
    e.get_field(Tag::Orientation, In::PRIMARY)?.value.get_uint(0).and_then(|v| u16::try_from(v).ok())
}

fn read(tiff: &[u8]) -> Option<Exif> {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    reader.read_raw(tiff.to_vec()).or_else(|e| e.distill_partial_result(|_| {})).ok()
}

fn distill(e: &Exif) -> ExifData {
    let mut fields = Map::new();
    for (tag, name) in FIELDS {
        let field = e.get_field(*tag, In::PRIMARY);
        if let Some(v) = field.and_then(|f| to_json(&f.value)) {
            fields.insert((*name).to_owned(), v);
        }
    }
    let orientation = e
        .get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u16::try_from(v).ok());
    ExifData { fields, gps: gps(e), orientation }
}

fn gps(e: &Exif) -> Option<Gps> {
    let value = |t: Tag| e.get_field(t, In::PRIMARY).map(|f| &f.value);
    let degrees = |t: Tag| match value(t)? {
        Value::Rational(r) if r.len() >= 3 && r.iter().all(|x| x.denom != 0) => {
            Some(r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0)
        }
        _ => None,
    };
    let reference = |t: Tag| match value(t)? {
        Value::Ascii(a) => a.first().and_then(|s| s.first()).copied(),
        _ => None,
    };
    let mut latitude = degrees(Tag::GPSLatitude)?;
    let mut longitude = degrees(Tag::GPSLongitude)?;
    if reference(Tag::GPSLatitudeRef) == Some(b'S') {
        latitude = -latitude;
    }
    if reference(Tag::GPSLongitudeRef) == Some(b'W') {
        longitude = -longitude;
    }
    let below = value(Tag::GPSAltitudeRef).and_then(|v| v.get_uint(0)) == Some(1);
    let altitude = match value(Tag::GPSAltitude) {
        Some(Value::Rational(r)) if r.first().is_some_and(|x| x.denom != 0) => {
            r.first().map(|x| if below { -x.to_f64() } else { x.to_f64() })
        }
        _ => None,
    };
    Some(Gps { latitude, longitude, altitude })
}

/// exiftool `-n` style: text trimmed, integers as integers, rationals as decimals.
fn to_json(v: &Value) -> Option<Json> {
    match v {
        Value::Ascii(parts) => {
            let s = parts.first()?;
            let text = String::from_utf8_lossy(s);
            let text = text.trim_end_matches(['\0', ' ']).trim();
            (!text.is_empty()).then(|| Json::String(text.to_owned()))
        }
        Value::Byte(x) => x.first().map(|n| Json::from(*n)),
        Value::Short(x) => x.first().map(|n| Json::from(*n)),
        Value::Long(x) => x.first().map(|n| Json::from(*n)),
        Value::SShort(x) => x.first().map(|n| Json::from(*n)),
        Value::SLong(x) => x.first().map(|n| Json::from(*n)),
        Value::Rational(x) => x.first().filter(|r| r.denom != 0).map(|r| decimal(r.to_f64())),
        Value::SRational(x) => x.first().filter(|r| r.denom != 0).map(|r| decimal(r.to_f64())),
        Value::Float(x) => x.first().map(|n| decimal(f64::from(*n))),
        Value::Double(x) => x.first().map(|n| decimal(*n)),
        Value::Undefined(bytes, _) => {
            // LensModel and friends are sometimes written as UNDEFINED text.
            let text = String::from_utf8(bytes.clone()).ok()?;
            let text = text.trim_end_matches(['\0', ' ']).trim();
            (!text.is_empty() && text.chars().all(|c| !c.is_control())).then(|| Json::String(text.to_owned()))
        }
        Value::SByte(_) | Value::Unknown(..) => None,
    }
}

/// Integral values print as integers ("50"), others rounded to 10 significant digits like exiftool.
fn decimal(f: f64) -> Json {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return Json::from(f as i64);
    }
    let rounded: f64 = format!("{f:.10e}").parse().unwrap_or(f);
    Number::from_f64(rounded).map(Json::Number).unwrap_or(Json::Null)
}
