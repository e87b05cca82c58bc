import ChainstoreCore

extension ModelSpec {
    /// Scheduled jobs with Odoo 17's fields. `code` names a job a module registers (Odoo keeps
    /// Python there); the scheduler's lease is not a field, but who runs a job and until when is
    /// (`running_on`, `lease_until`). Administrators read and edit them; `method_direct_trigger`
    /// asks a cron node to run one now, through the same claim as a scheduled run.
    public static let irCron = ModelSpec(
        name: "ir.cron", label: "Scheduled Actions",
        fields: [
            .char("name", "Name", required: true),
            .char("cron_name", "Name").computed(sql: "$t.name"),
            .char("code", "Job", required: true, readonly: true, help: "The registered job this action runs (module.job)."),
            .many2one("model_id", "Model", to: "ir.model"),
            .many2one("user_id", "Scheduler User", to: "res.users"),
            .boolean("active", "Active", default: .value(.true)),
            .integer("interval_number", "Interval Number", required: true, default: .value(.int(1))),
            .selection("interval_type", "Interval Unit", [
                SelectionOption("seconds", "Seconds"), SelectionOption("minutes", "Minutes"), SelectionOption("hours", "Hours"),
                SelectionOption("days", "Days"), SelectionOption("weeks", "Weeks"), SelectionOption("months", "Months"),
            ], required: true, default: .value("months")),
            .integer("numbercall", "Number of Calls", required: true, default: .value(.int(-1))),
            .boolean("doall", "Repeat Missed"),
            .datetime("nextcall", "Next Execution Date", required: true),
            .datetime("lastcall", "Last Execution Date", readonly: true),
            .integer("priority", "Priority", required: true, default: .value(.int(5))),
            .integer("failure_count", "Failure Count"),
            .datetime("first_failure_date", "First Failure Date", readonly: true),
            .text("last_error", "Last Error"),
            .integer("progress_done", "Done"),
            .integer("progress_remaining", "Remaining"),
            .char("running_on", "Running On").computed(sql: "CASE WHEN $t.lease_until > now() THEN $t.lease_owner END"),
            .datetime("lease_until", "Lease Until").computed(sql: "CASE WHEN $t.lease_until > now() THEN $t.lease_until END"),
        ],
        order: "name")

    /// What each run of a scheduled job did (runs that did nothing and took under a second are
    /// not kept).
    public static let irCronRun = ModelSpec(
        name: "ir.cron.run", label: "Scheduled Action Runs",
        fields: [
            .many2one("cron_id", "Scheduled Action", to: "ir.cron", required: true, onDelete: .cascade),
            .char("node", "Node", required: true),
            .integer("lease_token", "Lease", required: true),
            .datetime("started_at", "Started", required: true),
            .datetime("ended_at", "Ended", required: true),
            .integer("done", "Done"),
            .integer("remaining", "Remaining"),
            .selection("status", "Status", [
                SelectionOption("done", "Done"), SelectionOption("partial", "Partly done"), SelectionOption("failed", "Failed"),
                SelectionOption("lease_lost", "Lease lost"),
            ], required: true),
            .text("error", "Error"),
        ],
        order: "id desc", recName: "node")
}
