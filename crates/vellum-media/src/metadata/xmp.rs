//! XMP packets: every top-level property of every `rdf:Description`, keyed `prefix:name` with
//! the conventional prefix. Bags and sequences become arrays, language alternatives the
//! `x-default` text, structures nested objects. DTDs are refused by the XML parser.

use roxmltree::{Document, Node};
use serde_json::{Map, Value};

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// Conventional prefixes, used whatever prefix the packet itself declared.
const PREFIXES: &[(&str, &str)] = &[
    ("http://purl.org/dc/elements/1.1/", "dc"),
    ("http://ns.adobe.com/xap/1.0/", "xmp"),
    ("http://ns.adobe.com/xap/1.0/rights/", "xmpRights"),
    ("http://ns.adobe.com/xap/1.0/mm/", "xmpMM"),
    ("http://ns.adobe.com/photoshop/1.0/", "photoshop"),
    ("http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/", "Iptc4xmpCore"),
    ("http://iptc.org/std/Iptc4xmpExt/2008-02-29/", "Iptc4xmpExt"),
    ("http://ns.adobe.com/exif/1.0/", "exif"),
    ("http://cipa.jp/exif/1.0/", "exifEX"),
    ("http://ns.adobe.com/tiff/1.0/", "tiff"),
    ("http://ns.adobe.com/lightroom/1.0/", "lr"),
    ("http://ns.adobe.com/pdf/1.3/", "pdf"),
    ("http://ns.useplus.org/ldf/xmp/1.0/", "plus"),
    ("http://ns.adobe.com/camera-raw-settings/1.0/", "crs"),
    ("http://ns.adobe.com/xmp/1.0/DynamicMedia/", "xmpDM"),
];

/// Parses an XMP packet (or any bytes containing one).
pub(super) fn parse(bytes: &[u8]) -> Option<Map<String, Value>> {
    let packet = super::containers::scan_xmp(bytes).unwrap_or(bytes);
    let text = String::from_utf8_lossy(packet);
    let text = text.trim_start_matches('\u{feff}');
    let doc = Document::parse(text).ok()?;
    let mut out = Map::new();
    for desc in doc.descendants().filter(|n| is_rdf(n, "Description")) {
        if !desc.parent_element().is_some_and(|p| is_rdf(&p, "RDF")) {
            continue;
        }
        properties_into(&desc, &mut out);
    }
    Some(out)
}

fn is_rdf(n: &Node, local: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(RDF) && n.tag_name().name() == local
}

/// Attributes (shorthand properties) and child property elements of `node`.
fn properties_into(node: &Node, out: &mut Map<String, Value>) {
    for attr in node.attributes() {
        match attr.namespace() {
            Some(RDF) | Some(XML) | None => continue,
            Some(ns) => {
                out.insert(qname(node, ns, attr.name()), Value::String(attr.value().to_owned()));
            }
        }
    }
    for child in node.children().filter(Node::is_element) {
        let Some(ns) = child.tag_name().namespace() else { continue };
        if ns == RDF {
            continue;
        }
        if let Some(v) = value_of(&child) {
            out.insert(qname(&child, ns, child.tag_name().name()), v);
        }
    }
}

fn value_of(prop: &Node) -> Option<Value> {
    if let Some(res) = prop.attribute((RDF, "resource")) {
        return Some(Value::String(res.to_owned()));
    }
    if prop.attribute((RDF, "parseType")) == Some("Resource") {
        return Some(structure(prop));
    }
    let Some(inner) = prop.children().find(Node::is_element) else {
        let text = prop.text().unwrap_or("").trim();
        if text.is_empty() && prop.attributes().any(|a| !matches!(a.namespace(), Some(RDF) | Some(XML) | None)) {
            return Some(structure(prop));
        }
        return Some(Value::String(text.to_owned()));
    };
    if is_rdf(&inner, "Bag") || is_rdf(&inner, "Seq") {
        let items = items(&inner).filter_map(|li| value_of(&li)).collect();
        return Some(Value::Array(items));
    }
    if is_rdf(&inner, "Alt") {
        let mut lis = items(&inner).peekable();
        let first = lis.peek().copied();
        let default = items(&inner).find(|li| li.attribute((XML, "lang")) == Some("x-default"));
        return default.or(first).and_then(|li| value_of(&li));
    }
    if is_rdf(&inner, "Description") {
        return Some(structure(&inner));
    }
    Some(structure(prop))
}

fn items<'a, 'i>(container: &Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    container.children().filter(|n| is_rdf(n, "li"))
}

fn structure(node: &Node) -> Value {
    let mut fields = Map::new();
    properties_into(node, &mut fields);
    Value::Object(fields)
}

fn qname(node: &Node, ns: &str, local: &str) -> String {
    let prefix =
        PREFIXES.iter().find(|(uri, _)| *uri == ns).map(|(_, p)| *p).or_else(|| node.lookup_prefix(ns)).unwrap_or(ns);
    format!("{prefix}:{local}")
}
