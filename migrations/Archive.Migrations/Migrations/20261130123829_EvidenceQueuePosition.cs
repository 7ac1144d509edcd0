using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class EvidenceQueuePosition : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A queued run's place: the queued runs the worker's lease query (ORDER BY priority, requested_at) takes
            // before or with it. EvidenceRun.QueuePosition maps it, so pages and the API share this one definition.
            migrationBuilder.Sql("""
                CREATE FUNCTION evidence_queue_position(run uuid) RETURNS integer
                LANGUAGE sql STABLE AS $$
                    SELECT CASE WHEN r.status = 'Queued' THEN
                        (SELECT count(*) FROM evidence_runs o
                         WHERE o.status = 'Queued' AND (o.priority, o.requested_at) <= (r.priority, r.requested_at))::integer
                    END
                    FROM evidence_runs r WHERE r.id = run
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION evidence_queue_position(uuid);");
        }
    }
}
