//! A workspace's naming convention: every member reads it (the upload form suggests names
//! from it); owners, admins and managers set it, audited with what it was.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    naming::{stem, Convention, NameValues, Pattern},
    role::Capability,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    model::{Asset, Version},
    naming, Conn,
};

use crate::{access, record, setting_event, Actor, Core, Error, Result};

impl Core {
    /// The workspace's convention, if it has one.
    pub async fn naming(&self, actor: &Actor, ws: &str) -> Result<Option<Convention>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        Ok(naming::get(&mut c, access.workspace.id).await?)
    }

    pub async fn put_naming(&self, actor: &Actor, ws: &str, n: Convention) -> Result<Convention> {
        Pattern::parse(&n.pattern).map_err(|why| Error::new(ErrorCode::InvalidNaming, why))?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::PlanCampaigns)?;
        let before = naming::get(&mut tx, access.workspace.id).await?;
        naming::put(&mut tx, access.workspace.id, &n, self.now()).await?;
        let event = setting_event(AuditAction::NamingPut, "naming", access.workspace.id, Some(json!(before)), json!(n));
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// What the convention says of one file: the name it should have and whether it has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingCheck {
    pub expected: String,
    pub matched: bool,
    /// The convention refuses a file that does not match (`require` mode).
    pub required: bool,
}

/// What an asset's file is for, as the convention's parts read it.
pub(crate) struct FileFacts<'a> {
    pub asset: &'a Asset,
    pub version: u32,
    pub campaign_id: Option<Id>,
    pub deliverable: Option<&'a str>,
    /// Who uploaded it (for `{initials}`).
    pub uploader: &'a str,
    /// When (for `{date}`).
    pub at: Timestamp,
}

fn initials(name: &str) -> String {
    name.split_whitespace().filter_map(|w| w.chars().next()).flat_map(char::to_uppercase).collect()
}

/// Checks a file name against the workspace's convention (None: the workspace has none).
/// The date is the upload's in what is expected, but any date matches: a file prepared
/// yesterday is not misnamed today.
pub(crate) async fn check(c: &mut Conn, facts: &FileFacts<'_>, filename: &str) -> Result<Option<NamingCheck>> {
    let Some(conv) = naming::get(&mut *c, facts.asset.workspace_id).await? else { return Ok(None) };
    let Ok(pattern) = Pattern::parse(&conv.pattern) else { return Ok(None) };
    let campaign = match facts.campaign_id {
        Some(id) => vellum_store::campaigns::get(&mut *c, id).await?.map(|k| k.code),
        None => None,
    };
    let a = facts.asset;
    let mut values = NameValues {
        campaign,
        version: Some(facts.version),
        kind: Some(a.kind.as_str().to_string()),
        deliverable: facts.deliverable.map(str::to_string),
        locale: a.metadata.locale.clone(),
        channel: a.metadata.channels.first().cloned(),
        date: None,
        initials: Some(initials(facts.uploader)).filter(|s| !s.is_empty()),
    };
    let matched = pattern.matches(&values, stem(filename));
    values.date = Some(facts.at.to_string().chars().take(10).collect());
    let ext = match filename.rfind('.') {
        Some(i) if i > 0 => &filename[i..],
        _ => "",
    };
    let expected = format!("{}{ext}", pattern.render(&values));
    Ok(Some(NamingCheck { expected, matched, required: conv.mode == vellum_domain::naming::Mode::Require }))
}

/// Where an asset is filed (brief, deliverable, campaign) and what the convention says of
/// its current file.
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub brief_id: Option<Id>,
    pub deliverable: Option<String>,
    pub campaign_id: Option<Id>,
    pub naming: Option<NamingCheck>,
}

impl Core {
    /// Where an asset the caller already sees is filed, and whether its current file follows
    /// the naming convention.
    pub async fn asset_filing(&self, asset: &Asset) -> Result<Filing> {
        let mut c = self.store.conn().await?;
        let (brief_id, deliverable, campaign_id) = vellum_store::briefs::asset_link(&mut c, asset.id).await?;
        let naming = match vellum_store::assets::version(&mut c, asset.id, asset.current_version).await? {
            Some(v) => naming_of(&mut c, asset, &v).await?,
            None => None,
        };
        Ok(Filing { brief_id, deliverable, campaign_id, naming })
    }

    /// The name a download of this version gets: the convention's, or the uploaded one.
    pub async fn download_name(&self, asset: &Asset, v: &Version) -> Result<String> {
        let mut c = self.store.conn().await?;
        Ok(naming_of(&mut c, asset, v).await?.map_or_else(|| v.filename.clone(), |n| n.expected))
    }
}

async fn naming_of(c: &mut Conn, asset: &Asset, v: &Version) -> Result<Option<NamingCheck>> {
    let (_, deliverable, campaign_id) = vellum_store::briefs::asset_link(&mut *c, asset.id).await?;
    let uploader = vellum_store::users::by_id(&mut *c, v.created_by).await?.map(|u| u.name).unwrap_or_default();
    let facts = FileFacts {
        asset,
        version: v.number,
        campaign_id,
        deliverable: deliverable.as_deref(),
        uploader: &uploader,
        at: v.created_at,
    };
    check(c, &facts, &v.filename).await
}
