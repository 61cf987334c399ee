//! A workspace's custom-field schema: reading it (every member, so forms can show the
//! fields), changing it (admins; refused whole when invalid, or when values already stored
//! would no longer fit), and checking an asset's custom values against it.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    fields::{FieldError, MetadataSchema},
    metadata::AssetMetadata,
    role::Capability,
    validate::AssetKind,
    ErrorCode, Id,
};
use vellum_store::{assets, metadata_schemas, workspaces};

use crate::{access, record, setting_event, Actor, Core, Error, Result};

/// A schema with the revision it is at (0: never set).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaRevision {
    pub schema: MetadataSchema,
    pub revision: u64,
}

fn invalid(message: &str, fields: Vec<FieldError>) -> Error {
    Error::Fields { code: ErrorCode::InvalidMetadata, message: message.to_string(), fields }
}

/// Checks an asset's custom values against its workspace's schema: types always, required
/// fields when `require` (imports, which carry no custom values, leave them to be filled).
pub(crate) async fn check_custom(
    c: &mut vellum_store::Conn,
    ws: Id,
    kind: AssetKind,
    metadata: &AssetMetadata,
    require: bool,
) -> Result<()> {
    let (schema, _) = metadata_schemas::get(&mut *c, ws).await?;
    if schema.fields.is_empty() {
        return Ok(());
    }
    let members: Vec<Id> = if schema.fields.iter().any(|f| f.field_type == vellum_domain::fields::FieldType::User) {
        workspaces::members(&mut *c, ws).await?.into_iter().map(|m| m.user_id).collect()
    } else {
        Vec::new()
    };
    let mut problems = schema.check_values(kind, &metadata.custom, &|id| members.contains(&id));
    if !require {
        problems.retain(|p| metadata.custom.get(&p.key).is_some_and(|v| !v.is_null()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid("some custom fields are missing or not of their field's type", problems))
    }
}

impl Core {
    /// The workspace's custom fields.
    pub async fn metadata_schema(&self, actor: &Actor, ws: &str) -> Result<SchemaRevision> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        let (schema, revision) = metadata_schemas::get(&mut c, access.workspace.id).await?;
        Ok(SchemaRevision { schema, revision })
    }

    /// Replaces the workspace's custom fields (owners and admins). Nothing changes when the
    /// schema is invalid, or when assets hold values the new fields would refuse (the answer
    /// names those fields and how many assets hold such values).
    pub async fn put_metadata_schema(&self, actor: &Actor, ws: &str, schema: MetadataSchema) -> Result<SchemaRevision> {
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let schema = schema.check().map_err(|fields| invalid("the schema is not valid", fields))?;
        let ws_id = access.workspace.id;
        let (before, _) = metadata_schemas::get(&mut tx, ws_id).await?;
        let stored = assets::all_metadata(&mut tx, ws_id).await?;
        let mut broken: Vec<(String, usize)> = Vec::new();
        for f in &schema.fields {
            let one = MetadataSchema { fields: vec![f.clone()] };
            let n = stored.iter().filter(|m| one.breaks(&m.custom)).count();
            if n > 0 {
                broken.push((f.key.clone(), n));
            }
        }
        if !broken.is_empty() {
            let total = stored.iter().filter(|m| schema.breaks(&m.custom)).count();
            let fields = broken
                .into_iter()
                .map(|(key, n)| FieldError {
                    message: format!("{n} asset(s) hold a value this definition would refuse"),
                    key,
                })
                .collect();
            return Err(Error::Fields {
                code: ErrorCode::Conflict,
                message: format!("{total} asset(s) hold values the new fields would refuse; change those values first"),
                fields,
            });
        }
        let revision = metadata_schemas::put(&mut tx, ws_id, &schema, self.now()).await?;
        let after = json!({"fields": schema.fields, "revision": revision});
        let event = setting_event(AuditAction::MetadataSchemaPut, "metadata_schema", ws_id, Some(json!(before)), after);
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(SchemaRevision { schema, revision })
    }
}
