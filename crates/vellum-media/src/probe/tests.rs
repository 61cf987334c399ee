#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use serde_json::json;

#[test]
fn ffprobe_json_video_with_audio() {
    let j = json!({
        "streams": [
            {"codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080,
             "r_frame_rate": "30000/1001", "avg_frame_rate": "30000/1001", "pix_fmt": "yuv420p10le"},
            {"codec_type": "audio", "codec_name": "aac", "channels": 2, "bits_per_sample": 0},
            {"codec_type": "video", "codec_name": "mjpeg", "disposition": {"attached_pic": 1}}
        ],
        "format": {"duration": "12.345000"}
    });
    let info = parse_ffprobe(&j);
    assert_eq!(info.codec.as_deref(), Some("h264"));
    assert_eq!((info.width, info.height), (Some(1920), Some(1080)));
    assert_eq!(info.frame_rate.as_deref(), Some("30000/1001"));
    assert_eq!(info.duration_seconds, Some(12.345));
    assert_eq!(info.audio_codec.as_deref(), Some("aac"));
    assert_eq!(info.audio_channels, Some(2));
    assert_eq!(info.bit_depth, Some(10));
}

#[test]
fn the_start_timecode_and_frame_count_are_read() {
    let j = json!({
        "streams": [
            {"codec_type": "video", "r_frame_rate": "30000/1001", "avg_frame_rate": "30000/1001", "nb_frames": "1860",
             "tags": {"timecode": "01:00:00;00"}},
            {"codec_type": "data", "tags": {"timecode": "02:00:00;00"}}
        ],
        "format": {"duration": "62.062000", "tags": {"timecode": "03:00:00;00"}}
    });
    let info = parse_ffprobe(&j);
    assert_eq!((info.start_timecode.as_deref(), info.frame_count), (Some("01:00:00;00"), Some(1860)));
    let track_only = json!({"streams": [{"codec_type": "video", "r_frame_rate": "25/1"},
        {"codec_type": "data", "tags": {"timecode": "10:00:00:00"}}]});
    assert_eq!(parse_ffprobe(&track_only).start_timecode.as_deref(), Some("10:00:00:00"));
}

#[test]
fn variable_rate_reports_the_average() {
    assert_eq!(frame_rate(Some("90000/1".into()), Some("2997/100".into())).as_deref(), Some("2997/100"));
    assert_eq!(frame_rate(Some("25/1".into()), Some("0/0".into())).as_deref(), Some("25/1"));
    assert_eq!(frame_rate(Some("0/0".into()), Some("24/1".into())).as_deref(), Some("24/1"));
    assert_eq!(frame_rate(None, None), None);
}

#[test]
fn audio_only_and_cover_art() {
    let j = json!({"streams": [
        {"codec_type": "video", "codec_name": "png", "disposition": {"attached_pic": 1}},
        {"codec_type": "audio", "codec_name": "flac", "channels": 1, "bits_per_raw_sample": "24", "duration": "3.5"}
    ], "format": {}});
    let info = parse_ffprobe(&j);
    assert_eq!(info.codec, None);
    assert_eq!(info.audio_codec.as_deref(), Some("flac"));
    assert_eq!(info.bit_depth, Some(24));
    assert_eq!(info.duration_seconds, Some(3.5));
}

#[test]
fn pdfinfo_lines() {
    let out = "Title:           Quarterly: report\nAuthor:          Ana Ruiz\nCreator:         x\n\
               Pages:           3\nPage size:       595.276 x 841.89 pts (A4)\n";
    let info = parse_pdfinfo(out);
    assert_eq!(info.title.as_deref(), Some("Quarterly: report"));
    assert_eq!(info.author.as_deref(), Some("Ana Ruiz"));
    assert_eq!(info.page_count, Some(3));
    assert_eq!((info.width, info.height), (Some(595), Some(842)));
    assert_eq!(parse_pdfinfo("Title:   \nPages: 1\n").title, None);
}

#[test]
fn excerpt_is_capped_on_a_char_boundary() {
    let long = "é".repeat(TEXT_EXCERPT_MAX);
    let cut = excerpt(long.as_bytes(), TEXT_EXCERPT_MAX).unwrap();
    assert!(cut.len() <= TEXT_EXCERPT_MAX && cut.chars().all(|c| c == 'é'));
    assert_eq!(excerpt(b"  \n\x0c ", TEXT_EXCERPT_MAX), None);
}

#[test]
fn relative_paths_cannot_become_options() {
    assert_eq!(safe_path(Path::new("-rf.pdf")), OsString::from("./-rf.pdf"));
    assert_eq!(safe_path(Path::new("/tmp/a.pdf")), OsString::from("/tmp/a.pdf"));
}
