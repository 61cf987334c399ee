//! Background workers and the periodic scheduler. They run inside `vellum serve` by default
//! and alone as `vellum worker`; everything they need is in the database, so any node can
//! pick up where another stopped.

use std::time::Duration;

use tokio::sync::watch;
use vellum_domain::{cron::Cron, Timestamp};
use vellum_store::jobs::NewJob;

use crate::{jobs, Core};

/// How often an idle worker looks for due jobs, and how often stale claims are swept.
const POLL: Duration = Duration::from_millis(500);
const SWEEP_EVERY: u32 = 60;

/// Runs one worker until `shutdown` turns true, handing the job in hand back to the queue.
pub async fn run_worker(core: Core, name: String, mut shutdown: watch::Receiver<bool>) {
    let mut idle_polls = 0u32;
    loop {
        if *shutdown.borrow() {
            return;
        }
        if idle_polls.is_multiple_of(SWEEP_EVERY) {
            match core.requeue_stale_jobs().await {
                Ok(n) if n > 0 => tracing::warn!(count = n, "re-queued jobs whose worker went silent"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "could not sweep stale jobs"),
            }
        }
        match core.run_one_job_until(&name, &jobs::QUEUES, &mut shutdown.clone()).await {
            Ok(Some(_)) => {
                idle_polls = 0;
                continue;
            }
            Ok(None) => idle_polls = idle_polls.wrapping_add(1),
            Err(e) => {
                tracing::error!(error = %e, "worker could not claim a job");
                idle_polls = idle_polls.wrapping_add(1);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = core.wake.notified() => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// A periodic job: when it fires and what it enqueues for a given fire time.
pub struct Schedule {
    pub name: &'static str,
    pub cron: Cron,
    pub job: fn(Timestamp) -> NewJob,
}

/// The built-in schedules.
pub fn schedules() -> Vec<Schedule> {
    let mut out = Vec::new();
    if let Ok(cron) = Cron::parse("17 * * * *") {
        out.push(Schedule { name: "expire_sessions", cron, job: jobs::expire_sessions });
    }
    if let Ok(cron) = Cron::parse("29 * * * *") {
        out.push(Schedule { name: "apply_retention", cron, job: crate::retention::job });
    }
    if let Ok(cron) = Cron::parse("7 * * * *") {
        out.push(Schedule { name: "rights_warnings", cron, job: crate::rights::warnings_job });
    }
    if let Ok(cron) = Cron::parse("* * * * *") {
        out.push(Schedule { name: "audit_checkpoint", cron: cron.clone(), job: crate::audit::checkpoint_job });
        out.push(Schedule { name: "sign_in_failures", cron, job: jobs::sign_in_failures });
    }
    if let Ok(cron) = Cron::parse("41 3 * * *") {
        out.push(Schedule { name: "collect_garbage", cron, job: crate::blobs::gc::job });
    }
    out
}

/// Enqueues each schedule's job when it comes due. The job's unique key carries the fire
/// time, so several nodes running schedulers enqueue it once.
pub async fn run_scheduler(core: Core, schedules: Vec<Schedule>, mut shutdown: watch::Receiver<bool>) {
    let now = Timestamp::now();
    let mut next: Vec<Option<Timestamp>> = schedules.iter().map(|s| s.cron.next_after(now)).collect();
    let mut next_sweep = now;
    loop {
        let now = Timestamp::now();
        // Reminders are swept every 15 seconds: finer than a cron minute.
        if now >= next_sweep {
            let sweeps = [crate::reminders::sweep_job(now), crate::notify::sweep_job(now)];
            let mut queued = true;
            for job in &sweeps {
                if let Err(e) = core.enqueue(job).await {
                    tracing::error!(error = %e, job = %job.kind, "could not enqueue a sweep");
                    queued = false;
                }
            }
            if queued {
                next_sweep = now.plus_secs(crate::reminders::SWEEP_SECS);
            }
        }
        for (s, due) in schedules.iter().zip(next.iter_mut()) {
            if let Some(at) = *due {
                if at <= now {
                    if let Err(e) = core.enqueue(&(s.job)(at)).await {
                        tracing::error!(schedule = s.name, error = %e, "could not enqueue a scheduled job");
                        continue;
                    }
                    *due = s.cron.next_after(at);
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Starts `workers` workers and the scheduler; returns a sender that stops them and the
/// handles to await.
pub fn spawn(core: &Core, workers: usize, node: &str) -> (watch::Sender<bool>, Vec<tokio::task::JoinHandle<()>>) {
    let (stop, rx) = watch::channel(false);
    let mut handles = Vec::new();
    for i in 0..workers {
        handles.push(tokio::spawn(run_worker(core.clone(), format!("{node}-{i}"), rx.clone())));
    }
    if workers > 0 {
        handles.push(tokio::spawn(run_scheduler(core.clone(), schedules(), rx)));
        // Jobs queued on other nodes wake these workers at once (PostgreSQL); the listener
        // lives as long as the process, so it is not among the handles awaited at shutdown.
        let (store, wake) = (core.store.clone(), core.wake.clone());
        tokio::spawn(async move {
            if let Err(e) = store.listen_for_jobs(wake).await {
                tracing::warn!(error = %e, "cannot listen for job notices; workers poll");
            }
        });
    }
    (stop, handles)
}
