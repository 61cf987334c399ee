//! SCIM's resources and messages as the OpenAPI document describes them (RFC 7643, RFC 7644).
//! The handlers read bodies leniently as `vellum_domain::scim` does (directories differ: Azure
//! sends `"active": "True"`), so these types only describe; they are never built or read.
#![allow(dead_code)]

use utoipa::ToSchema;

/// Parts of a person's name.
#[derive(ToSchema)]
pub struct Name {
    #[schema(rename = "givenName")]
    given_name: Option<String>,
    #[schema(rename = "familyName")]
    family_name: Option<String>,
    formatted: Option<String>,
}

/// An email address; the account's address is the primary one (or the first).
#[derive(ToSchema)]
pub struct Email {
    value: String,
    r#type: Option<String>,
    primary: Option<bool>,
}

/// A User as a directory sends it. The account's address is the primary email, else
/// `userName` when that is an address.
#[derive(ToSchema)]
#[schema(as = ScimUserInput)]
pub struct UserInput {
    schemas: Option<Vec<String>>,
    #[schema(rename = "userName", max_length = 254)]
    user_name: String,
    #[schema(rename = "externalId", max_length = 255)]
    external_id: Option<String>,
    name: Option<Name>,
    #[schema(rename = "displayName", max_length = 200)]
    display_name: Option<String>,
    emails: Option<Vec<Email>>,
    /// false ends the person's sessions and tokens at once.
    active: Option<bool>,
    /// Sets a local password (which must be hard to guess).
    password: Option<String>,
}

/// A reference to a group or a member.
#[derive(ToSchema)]
#[schema(as = ScimReference)]
pub struct Reference {
    value: String,
    display: Option<String>,
    #[schema(rename = "$ref")]
    reference: Option<String>,
}

/// Where a resource lives and when it changed.
#[derive(ToSchema)]
#[schema(as = ScimMeta)]
pub struct Meta {
    #[schema(rename = "resourceType")]
    resource_type: String,
    #[schema(format = DateTime)]
    created: String,
    #[schema(rename = "lastModified", format = DateTime)]
    last_modified: String,
    location: String,
}

/// A User as this server keeps it.
#[derive(ToSchema)]
#[schema(as = ScimUser)]
pub struct User {
    schemas: Vec<String>,
    #[schema(format = Uuid)]
    id: String,
    #[schema(rename = "userName")]
    user_name: String,
    #[schema(rename = "externalId")]
    external_id: Option<String>,
    name: Name,
    #[schema(rename = "displayName")]
    display_name: String,
    emails: Vec<Email>,
    active: bool,
    /// The directory groups the person is in.
    groups: Vec<Reference>,
    meta: Meta,
}

/// A Group as a directory sends it; members are User ids.
#[derive(ToSchema)]
#[schema(as = ScimGroupInput)]
pub struct GroupInput {
    schemas: Option<Vec<String>>,
    #[schema(rename = "displayName", max_length = 200)]
    display_name: String,
    #[schema(rename = "externalId", max_length = 255)]
    external_id: Option<String>,
    members: Option<Vec<Reference>>,
}

/// A Group as this server keeps it.
#[derive(ToSchema)]
#[schema(as = ScimGroup)]
pub struct Group {
    schemas: Vec<String>,
    #[schema(format = Uuid)]
    id: String,
    #[schema(rename = "displayName")]
    display_name: String,
    #[schema(rename = "externalId")]
    external_id: Option<String>,
    members: Vec<Reference>,
    meta: Meta,
}

/// A page of Users.
#[derive(ToSchema)]
#[schema(as = ScimUserList)]
pub struct UserList {
    schemas: Vec<String>,
    #[schema(rename = "totalResults")]
    total_results: u64,
    #[schema(rename = "startIndex")]
    start_index: u64,
    #[schema(rename = "itemsPerPage")]
    items_per_page: u64,
    #[schema(rename = "Resources")]
    resources: Vec<User>,
}

/// A page of Groups.
#[derive(ToSchema)]
#[schema(as = ScimGroupList)]
pub struct GroupList {
    schemas: Vec<String>,
    #[schema(rename = "totalResults")]
    total_results: u64,
    #[schema(rename = "startIndex")]
    start_index: u64,
    #[schema(rename = "itemsPerPage")]
    items_per_page: u64,
    #[schema(rename = "Resources")]
    resources: Vec<Group>,
}

/// One change of a PATCH: `add`, `replace` or `remove` (any case), at `path` (an attribute,
/// `emails[type eq "work"].value`, `members[value eq "…"]`) or, without one, the attributes
/// of `value`.
#[derive(ToSchema)]
#[schema(as = ScimOperation)]
pub struct Operation {
    op: String,
    path: Option<String>,
    #[schema(value_type = Object)]
    value: Option<serde_json::Value>,
}

/// A PATCH request (RFC 7644, section 3.5.2).
#[derive(ToSchema)]
#[schema(as = ScimPatch)]
pub struct Patch {
    schemas: Option<Vec<String>>,
    #[schema(rename = "Operations")]
    operations: Vec<Operation>,
}

/// A failure in SCIM's shape (RFC 7644, section 3.12).
#[derive(ToSchema)]
#[schema(as = ScimError)]
pub struct Error {
    schemas: Vec<String>,
    /// The HTTP status, as a string.
    status: String,
    /// `invalidFilter`, `invalidSyntax`, `uniqueness` or `invalidValue`.
    #[schema(rename = "scimType")]
    scim_type: Option<String>,
    detail: String,
}

/// A SCIM document without a fixed shape here (ServiceProviderConfig, a list of ResourceTypes).
#[derive(ToSchema)]
#[schema(as = ScimDocument)]
pub struct Document {
    schemas: Vec<String>,
}

/// The failures every SCIM operation may answer with, in SCIM's shape.
#[derive(utoipa::IntoResponses)]
pub enum Failures {
    /// A value, filter or PATCH this server cannot take (`invalidValue`, `invalidFilter`,
    /// `invalidSyntax`).
    #[response(status = 400, content_type = "application/scim+json")]
    Invalid(Error),
    /// Without the server's SCIM token.
    #[response(status = 401, content_type = "application/scim+json")]
    Unauthenticated(Error),
    /// A server admin's password, which a directory cannot set.
    #[response(status = 403, content_type = "application/scim+json")]
    Forbidden(Error),
    /// No such resource, or a member that is not one of the directory's users.
    #[response(status = 404, content_type = "application/scim+json")]
    NotFound(Error),
    /// The userName, address or displayName is taken (`uniqueness`).
    #[response(status = 409, content_type = "application/scim+json")]
    Conflict(Error),
}

/// The schemas only [`Failures`] names, which the paths do not bring in themselves.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(Error)))]
pub struct Shapes;
