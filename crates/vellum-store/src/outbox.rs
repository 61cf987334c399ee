//! Claiming from the outgoing queues (emails, webhook messages): the rows due now, and those
//! whose sender went silent, marked as being sent with the claim time and the attempt counted.
//! Both tables share the columns `state`, `next_attempt_at`, `claimed_at` and `attempts`.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::Timestamp;

use crate::{dialect, row, Result};

/// Claims up to `limit` rows of `table` due at `now` (or claimed before `stale_before` and never
/// finished), returning `cols` of each. `table` and `cols` are this crate's constants.
pub(crate) async fn claim_due(
    c: &mut AnyConnection,
    table: &str,
    cols: &str,
    now: Timestamp,
    stale_before: Timestamp,
    limit: u32,
) -> Result<Vec<AnyRow>> {
    let skip = dialect::of(c).skip_locked();
    let ids: Vec<String> = sqlx::query(&format!(
        "SELECT id FROM {table} WHERE (state = 'pending' AND next_attempt_at <= $1) \
         OR (state = 'sending' AND claimed_at < $2) ORDER BY next_attempt_at, id LIMIT $3{skip}"
    ))
    .bind(now.to_string())
    .bind(stale_before.to_string())
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| row::text(r, "id"))
    .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let r = sqlx::query(&format!(
            "UPDATE {table} SET state = 'sending', claimed_at = $1, attempts = attempts + 1 WHERE id = $2 \
             RETURNING {cols}"
        ))
        .bind(now.to_string())
        .bind(&id)
        .fetch_one(&mut *c)
        .await?;
        out.push(r);
    }
    Ok(out)
}
