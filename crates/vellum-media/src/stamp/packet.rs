//! The XMP packet a download carries: Dublin Core rights, XMP Rights Management, PLUS licence
//! fields and Vellum's own namespace with the approval record.

/// Vellum's XMP namespace (prefix `vellum`).
pub const NAMESPACE: &str = "https://ns.vellum.dev/xmp/1.0/";

/// What a stamp says about the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub asset_id: String,
    pub version: u32,
    /// SHA-256 of the stored original, hex.
    pub original_sha256: String,
    /// `dc:rights`: the rights statement.
    pub rights: Option<String>,
    /// `xmpRights:UsageTerms`.
    pub usage_terms: Option<String>,
    /// `xmpRights:WebStatement`: the asset's always-current link when it has one.
    pub web_statement: Option<String>,
    /// `plus:Licensor`'s name.
    pub licensor: Option<String>,
    /// `plus:LicenseStartDate` / `plus:LicenseEndDate`, `YYYY-MM-DD`.
    pub licence_start: Option<String>,
    pub licence_end: Option<String>,
    pub territories: Vec<String>,
    pub channels: Vec<String>,
    /// RFC 3339, when the version was approved (absent for work not approved).
    pub approved_at: Option<String>,
    /// One line per stage: "Legal: Ana Silva, Bo Berg".
    pub approvers: Vec<String>,
    /// The audit event that recorded the approval: "<chain>#<seq>".
    pub audit_event: Option<String>,
}

/// Text made safe inside the packet; characters XML 1.0 cannot hold are dropped rather than
/// breaking it.
fn escape(s: &str) -> String {
    let kept: String = s.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')).collect();
    vellum_domain::mail::escape_html(&kept)
}

fn alt(out: &mut String, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        out.push_str(&format!(
            "   <{name}><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></{name}>\n",
            escape(v)
        ));
    }
}

fn simple(out: &mut String, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        out.push_str(&format!("   <{name}>{}</{name}>\n", escape(v)));
    }
}

fn list(out: &mut String, name: &str, kind: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    out.push_str(&format!("   <{name}><rdf:{kind}>"));
    for v in values {
        out.push_str(&format!("<rdf:li>{}</rdf:li>", escape(v)));
    }
    out.push_str(&format!("</rdf:{kind}></{name}>\n"));
}

impl Record {
    /// The `rdf:Description` holding every property.
    pub fn description(&self) -> String {
        let mut d = String::from(concat!(
            "  <rdf:Description rdf:about=\"\"\n",
            "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n",
            "    xmlns:xmpRights=\"http://ns.adobe.com/xap/1.0/rights/\"\n",
            "    xmlns:plus=\"http://ns.useplus.org/ldf/xmp/1.0/\"\n",
            "    xmlns:vellum=\"https://ns.vellum.dev/xmp/1.0/\">\n",
        ));
        alt(&mut d, "dc:rights", &self.rights);
        if self.rights.is_some() || self.usage_terms.is_some() {
            d.push_str("   <xmpRights:Marked>True</xmpRights:Marked>\n");
        }
        alt(&mut d, "xmpRights:UsageTerms", &self.usage_terms);
        simple(&mut d, "xmpRights:WebStatement", &self.web_statement);
        if let Some(name) = &self.licensor {
            d.push_str(&format!(
                "   <plus:Licensor><rdf:Seq><rdf:li rdf:parseType=\"Resource\"><plus:LicensorName>{}</plus:LicensorName></rdf:li></rdf:Seq></plus:Licensor>\n",
                escape(name)
            ));
        }
        simple(&mut d, "plus:LicenseStartDate", &self.licence_start);
        simple(&mut d, "plus:LicenseEndDate", &self.licence_end);
        simple(&mut d, "vellum:AssetId", &Some(self.asset_id.clone()));
        simple(&mut d, "vellum:Version", &Some(self.version.to_string()));
        simple(&mut d, "vellum:ApprovedAt", &self.approved_at);
        list(&mut d, "vellum:Approvers", "Seq", &self.approvers);
        simple(&mut d, "vellum:OriginalSha256", &Some(self.original_sha256.clone()));
        simple(&mut d, "vellum:AuditEvent", &self.audit_event);
        list(&mut d, "vellum:Territories", "Bag", &self.territories);
        list(&mut d, "vellum:Channels", "Bag", &self.channels);
        d.push_str("  </rdf:Description>\n");
        d
    }

    /// A whole packet with only these properties.
    pub fn packet(&self) -> String {
        format!(
            "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n{} </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>",
            self.description()
        )
    }

    /// The file's own packet with these properties added as one more description, so what
    /// the file already said (creator, keywords) stays; its own values of the properties set
    /// here are taken out, so no reader sees two. A packet that cannot be read is replaced.
    pub fn merged_into(&self, existing: Option<&[u8]>) -> String {
        let Some(text) = existing.and_then(|b| std::str::from_utf8(b).ok()) else {
            return self.packet();
        };
        let text = text.trim_end_matches('\0');
        let Ok(doc) = roxmltree::Document::parse(text) else {
            return self.packet();
        };
        let mut cut: Vec<std::ops::Range<usize>> = doc
            .descendants()
            .filter(|n| n.is_element() && n.parent_element().is_some_and(|p| p.has_tag_name((RDF, "Description"))))
            .filter(|n| replaced(n.tag_name().namespace(), n.tag_name().name()))
            .map(|n| n.range())
            .collect();
        cut.sort_by_key(|r| std::cmp::Reverse(r.start));
        let mut kept = text.to_string();
        for r in cut {
            kept.replace_range(r, "");
        }
        match kept.rfind("</rdf:RDF>") {
            Some(at) => format!("{}{}{}", &kept[..at], self.description(), &kept[at..]),
            None => self.packet(),
        }
    }
}

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

/// Whether a property of the file's own packet is one a stamp sets.
fn replaced(namespace: Option<&str>, name: &str) -> bool {
    match namespace {
        Some("http://purl.org/dc/elements/1.1/") => name == "rights",
        Some("http://ns.adobe.com/xap/1.0/rights/") => matches!(name, "Marked" | "UsageTerms" | "WebStatement"),
        Some("http://ns.useplus.org/ldf/xmp/1.0/") => {
            matches!(name, "Licensor" | "LicenseStartDate" | "LicenseEndDate")
        }
        Some(NAMESPACE) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            asset_id: "a".into(),
            version: 2,
            original_sha256: "00".repeat(32),
            rights: Some("© Acme & Co <2026>".into()),
            approvers: vec!["Legal: Ana".into(), "Brand: Bo".into()],
            ..Record::default()
        }
    }

    #[test]
    fn the_packet_is_well_formed_xml_with_escaped_text() {
        let p = record().packet();
        let doc = roxmltree::Document::parse(&p).expect("xml");
        let rights = doc.descendants().find(|n| n.has_tag_name(("http://purl.org/dc/elements/1.1/", "rights")));
        let li = rights.and_then(|r| r.descendants().find(|n| n.has_tag_name("li"))).and_then(|n| n.text());
        assert_eq!(li, Some("© Acme & Co <2026>"));
        let version = doc.descendants().find(|n| n.has_tag_name((NAMESPACE, "Version"))).and_then(|n| n.text());
        assert_eq!(version, Some("2"));
        assert!(!p.contains("ApprovedAt"), "absent values are left out");
    }

    #[test]
    fn merging_keeps_what_the_file_said() {
        let existing = Record { asset_id: "old".into(), ..Record::default() }.packet().replace(
            "<vellum:AssetId>old</vellum:AssetId>",
            "<dc:creator><rdf:Seq><rdf:li>Kim</rdf:li></rdf:Seq></dc:creator>",
        );
        let existing = existing.replace("<vellum:Version>0</vellum:Version>", "<dc:rights>old</dc:rights>");
        let merged = record().merged_into(Some(existing.as_bytes()));
        assert!(merged.contains("<rdf:li>Kim</rdf:li>"));
        assert!(!merged.contains("old"), "the file's own rights statement gives way to the stamp's");
        assert_eq!(merged.matches("<vellum:Version>").count(), 1);
        assert!(merged.contains("<vellum:Version>2</vellum:Version>"));
        roxmltree::Document::parse(&merged).expect("still xml");
        assert_eq!(record().merged_into(Some(b"<not xml")), record().packet());
    }

    #[test]
    fn control_characters_are_dropped() {
        let r = Record { usage_terms: Some("a\u{1}b".into()), ..record() };
        assert!(r.packet().contains(">ab<"));
    }
}
