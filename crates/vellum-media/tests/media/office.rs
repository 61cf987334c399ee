//! LibreOffice on a fresh host: two office conversions at once, each on a fresh profile in its
//! own job folder, both succeed (once one failed in CI with `WrappedTargetRuntimeException`).

use std::process::Command;

use vellum_media::external::office_to_pdf;

use super::support::tool_available;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_office_conversions_at_once_on_fresh_profiles_both_succeed() {
    if !tool_available("soffice") {
        return;
    }
    let fixture = tempfile::tempdir().unwrap();
    std::fs::write(fixture.path().join("brief.html"), "<h1>Spring brief</h1><p>Audience: savers.</p>").unwrap();
    let made = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}/profile", fixture.path().display()))
        .args(["--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir"])
        .arg(fixture.path())
        .arg(fixture.path().join("brief.html"))
        .env("HOME", fixture.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let docx = std::fs::read(fixture.path().join("brief.docx")).unwrap();

    let jobs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for job in &jobs {
        std::fs::write(job.path().join("source"), &docx).unwrap();
    }
    let sources = [jobs[0].path().join("source"), jobs[1].path().join("source")];
    let (a, b) = tokio::join!(office_to_pdf(&sources[0], jobs[0].path()), office_to_pdf(&sources[1], jobs[1].path()));
    for pdf in [a.unwrap(), b.unwrap()] {
        assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"), "{}", pdf.display());
    }
}
