using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Evidence;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Web.Tests.Pages;

public sealed class EvidencePageTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A finished induction-score run shaped as the worker's HeadScoreMethods and EvidenceRunner write it.</summary>
    private static EvidenceRun RecordedRun(Claim claim) => new()
    {
        Id = Guid.NewGuid(),
        ClaimId = claim.Id,
        Status = EvidenceStatus.Succeeded,
        Verdict = EvidenceVerdict.Supported,
        HeadlineValue = 0.7134,
        RequestedBy = "api",
        RequestedAt = DateTimeOffset.UtcNow.AddMinutes(-2),
        StartedAt = DateTimeOffset.UtcNow.AddMinutes(-2),
        FinishedAt = DateTimeOffset.UtcNow.AddMinutes(-1),
        Parameters = JsonDocument.Parse("""{"seed":1,"batch":2,"seq_len":3,"bos":null,"generator":"System.Random(seed)"}"""),
        Inputs = JsonDocument.Parse("""{"tokens":[[11,12,13,11,12,13],[21,22,23,21,22,23]],"prefix_length":0,"repeat_length":3}"""),
        Numbers = JsonDocument.Parse("""
            {"induction_score":[[0.01,0.02,0.03,0.04],[0.11,0.12,0.7134,0.14]],
             "previous_token_score":[[0.5,0.1,"NaN",0.2],[0.0,0.0,0.0,0.0]],
             "clean":2.5,
             "per_component":[{"component":"L1H2","metric":3.1,"effect":0.6}],
             "loss_by_position":[4.1,3.9,1.2]}
            """),
        Artifacts = JsonDocument.Parse("""
            {"score_heatmap":{"title":"induction_score per head","rows":"layer","columns":"head","values":[[0.01,0.02,0.03,0.04],[0.11,0.12,0.7134,0.14]]},
             "attention_patterns":[{"title":"Attention pattern of L1H2 on sequence 0","head":"L1H2","rows":"destination position","columns":"source position","values":[[1,0],[0.25,0.75]]}],
             "per_component":{"title":"Effect of ablating each component alone (nats)","labels":["L0H1","L1H2"],"values":[0.2,-0.05]},
             "loss_by_position":{"title":"Mean loss by position (nats)","x":"position","y":"loss","values":[4.1,3.9,1.2]}}
            """),
        Provenance = JsonDocument.Parse($$"""
            {"model_sha256":"{{new string('a', 64)}}","engine":"Archive.Engine 1.0.0","torchsharp":"0.105.0.0","libtorch":"2.5.1","device":"cpu",
             "torch_threads":2,"application_version":"1.0.0","worker":"worker-test","started":"2026-11-24T10:00:00+00:00","duration_ms":1234.5,
             "tolerance":0.02,"comparison":"AtLeast","expected":0.6,"expected_upper":null}
            """),
    };

    private async Task<(Specimen Specimen, Claim Claim, EvidenceRun Run)> SeedAsync(SpecimenStatus status = SpecimenStatus.Published)
    {
        await using var db = archive.CreateDbContext();
        var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction-2l", "Induction heads in a two-layer model", status: status));
        var claim = await db.Claims.SingleAsync(c => c.RevisionId == specimen.CurrentRevisionId && c.Key == "induction-head", Ct);
        var run = RecordedRun(claim);
        db.EvidenceRuns.Add(run);
        await db.SaveChangesAsync(Ct);
        return (specimen, claim, run);
    }

    private async Task<string> GetOkAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode}\n{html}");
        return html;
    }

    [Fact]
    public async Task A_tuning_curve_artifact_is_drawn_as_a_polar_chart_with_its_line_control()
    {
        var (_, claim, run) = await SeedAsync();
        await using (var db = archive.CreateDbContext())
        {
            var stored = await db.EvidenceRuns.SingleAsync(r => r.Id == run.Id, Ct);
            // As TuningCurveMethods writes it: responses to arcs by orientation, and to straight lines as the control.
            stored.Artifacts = JsonDocument.Parse("""
                {"polar_tuning_curve":{"title":"conv2:7: response by orientation","orientations":[0,90,180,270],"curves":[0.5,2.0,0.25,0],
                 "line_orientations":[0,90],"lines":[0.1,0.4]}}
                """);
            await db.SaveChangesAsync(Ct);
        }
        using var client = archive.CreateClient();

        var html = await GetOkAsync(client, $"/evidence/{run.Id}");

        var figure = Regex.Match(html, "<figure class=\"chart artifact\" id=\"artifact-polar_tuning_curve\">.*?</figure>", RegexOptions.Singleline).Value;
        Assert.Contains("class=\"chart polar", figure);
        Assert.Contains("peak 2 at 90°", WebUtility.HtmlDecode(figure));
        Assert.Contains("series-control", figure);
        Assert.DoesNotContain("raw-json", figure);
    }

    [Fact]
    public async Task Shows_claim_verdict_parameters_inputs_numbers_artifacts_provenance_and_history()
    {
        var (_, claim, run) = await SeedAsync();
        using var client = archive.CreateClient();

        var html = await GetOkAsync(client, $"/evidence/{run.Id}");
        var text = WebUtility.HtmlDecode(html);

        // Claim and where it lives
        Assert.Contains("<h1 id=\"evidence-title\">Head 1.4 is an induction head: induction score ≥ 0.6</h1>", text);
        Assert.Contains("href=\"/specimens/induction-2l/revisions/1#claim-induction-head\"", html);
        Assert.Contains("<code>induction_score</code>", html);
        // Verdict against the expectation recorded in provenance
        var verdict = Regex.Match(text, "<section id=\"verdict\".*?</section>", RegexOptions.Singleline).Value;
        Assert.Contains("badge-supported", verdict);
        Assert.Contains("0.7134", verdict);
        Assert.Contains("≥ 0.6 ± 0.02", verdict);
        Assert.Contains("accepted ≥ 0.58", verdict);
        Assert.Contains("As recorded in the run's provenance.", verdict);
        // Parameters and inputs
        Assert.Contains("<tr><th scope=\"row\"><code>seq_len</code></th><td><code>3</code></td></tr>", html);
        Assert.Contains("<code>11 12 13 11 12 13</code>", html);
        Assert.Contains($"href=\"/api/v1/evidence/{run.Id}\"", html);
        // Numbers: per-head matrices as [layer][head] heatmaps with their values, scalars, tables, series
        Assert.Contains("<figcaption><code>induction_score</code> <span class=\"muted\">[layer][head], 2 × 4</span>", html);
        Assert.Contains("<title>layer 1, head 2: 0.7134</title>", html);
        Assert.Contains("<title>layer 0, head 2: NaN</title>", html);
        Assert.Contains("<dt>clean</dt>", html);
        Assert.Contains("<caption><code>per_component</code></caption>", html);
        Assert.Contains("<code>loss_by_position</code>", html);
        // Artifacts: heatmaps (axis names from rows/columns), bars, a line
        Assert.Equal(4, Regex.Count(html, "<svg[^>]*class=\"chart heatmap"));
        Assert.Contains("destination position →", text);
        Assert.Contains("<title>destination position 1, source position 1: 0.75</title>", html);
        Assert.Contains("class=\"chart bars\"", html);
        Assert.Contains("<title>L1H2: -0.05</title>", html);
        Assert.Contains("class=\"chart line\"", html);
        Assert.Contains("<title>position 2: 1.2</title>", html);
        // Provenance
        var provenance = Regex.Match(html, "<section id=\"provenance\".*?</section>", RegexOptions.Singleline).Value;
        Assert.Contains("href=\"/models/attn-only-2l\"", provenance);
        Assert.Contains(new string('a', 64), provenance);
        Assert.Contains("<dt>libtorch</dt>", provenance);
        Assert.Contains("<dd>2.5.1</dd>", provenance);
        Assert.Contains("<dd>cpu</dd>", provenance);
        Assert.Contains("<dd>worker-test</dd>", provenance);
        Assert.Contains("1.23 s", provenance);
        Assert.DoesNotContain("The model's file has changed", provenance);
        // Re-run form and history
        Assert.Contains($"action=\"/evidence/{run.Id}/rerun\"", html);
        Assert.Contains("name=\"__RequestVerificationToken\"", html);
        var history = Regex.Match(html, "<section id=\"history\".*?</section>", RegexOptions.Singleline).Value;
        Assert.Contains($"href=\"/evidence/{run.Id}\"", history);
        Assert.Contains("aria-current=\"page\"", history);
        // No live island for a finished run
        Assert.DoesNotContain("Blazor:", html);
        Assert.Equal(claim.Id, run.ClaimId);
    }

    [Fact]
    public async Task The_specimen_page_links_each_verdict_to_its_evidence_page()
    {
        var (_, _, run) = await SeedAsync();
        using var client = archive.CreateClient();

        var html = await GetOkAsync(client, "/specimens/induction-2l");

        var row = Regex.Match(html, "<tr id=\"claim-induction-head\">.*?</tr>", RegexOptions.Singleline).Value;
        Assert.Contains($"href=\"/evidence/{run.Id}\"", row);
    }

    [Fact]
    public async Task Unknown_runs_and_runs_of_unpublished_specimens_are_404()
    {
        var (_, _, run) = await SeedAsync(SpecimenStatus.Draft);
        using var client = archive.CreateClient();

        var unknown = await client.GetAsync($"/evidence/{Guid.NewGuid()}", Ct);
        var draft = await client.GetAsync($"/evidence/{run.Id}", Ct);
        var notAGuid = await client.GetAsync("/evidence/not-a-guid", Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("<h1>Not found</h1>", await unknown.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.NotFound, draft.StatusCode);
        Assert.DoesNotContain("induction score", await draft.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.NotFound, notAGuid.StatusCode);
    }

    [Fact]
    public async Task The_rerun_form_queues_a_run_and_redirects_to_its_live_page()
    {
        var (_, claim, run) = await SeedAsync();
        using var client = archive.CreateClient();
        var html = await GetOkAsync(client, $"/evidence/{run.Id}");
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);

        var response = await client.PostAsync($"/evidence/{run.Id}/rerun",
            new FormUrlEncodedContent([new("__RequestVerificationToken", token)]), Ct);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Matches("^/evidence/[0-9a-f-]{36}$", location);
        await using (var db = archive.CreateDbContext())
        {
            var queued = await db.EvidenceRuns.SingleAsync(r => r.ClaimId == claim.Id && r.Id != run.Id, Ct);
            Assert.Equal(EvidenceStatus.Queued, queued.Status);
            Assert.Equal($"/evidence/{queued.Id}", location);
        }

        var live = await GetOkAsync(client, location);
        Assert.Contains("badge-pending", live);
        Assert.Contains("≥ 0.6 ± 0.02", WebUtility.HtmlDecode(live));
        Assert.Contains("The claim's expectation; the run has not recorded one yet.", WebUtility.HtmlDecode(live));
        // The interactive island that follows the run, prerendered: its state is in the static HTML.
        Assert.Contains("<!--Blazor:{\"type\":\"server\"", live);
        var island = Regex.Match(live, "<div class=\"run-live\".*?</div>", RegexOptions.Singleline).Value;
        Assert.Contains($"data-run-id=\"{location[^36..]}\"", island);
        Assert.Contains("aria-live=\"polite\"", island);
        Assert.Matches("data-testid=\"run-live-status\">Queued: 1st in the queue</span>", island);
        Assert.DoesNotContain("Re-run evidence</button>", live);
        // Posting again while it is queued goes to the queued run rather than queueing another.
        var again = await client.PostAsync($"/evidence/{run.Id}/rerun", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]), Ct);
        Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
        Assert.Equal(location, again.Headers.Location!.ToString());
        await using (var db = archive.CreateDbContext())
        {
            Assert.Equal(2, await db.EvidenceRuns.CountAsync(r => r.ClaimId == claim.Id, Ct));
        }
    }

    [Fact]
    public async Task The_rerun_form_needs_its_antiforgery_token()
    {
        var (_, claim, run) = await SeedAsync();
        using var client = archive.CreateClient();

        var response = await client.PostAsync($"/evidence/{run.Id}/rerun", new FormUrlEncodedContent([]), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var db = archive.CreateDbContext();
        Assert.Equal(1, await db.EvidenceRuns.CountAsync(r => r.ClaimId == claim.Id, Ct));
    }

    [Fact]
    public async Task The_listener_tells_only_the_subscribers_of_the_run_the_worker_notified()
    {
        var notifications = archive.Services.GetRequiredService<EvidenceNotifications>();
        for (var i = 0; i < 100 && !notifications.IsListening; i++) await Task.Delay(50, Ct);
        Assert.True(notifications.IsListening, "LISTEN evidence_finished is not open.");
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var firstCalls = 0;
        var secondCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var firstSubscription = notifications.Subscribe(first, () => { Interlocked.Increment(ref firstCalls); return Task.CompletedTask; });
        using var secondSubscription = notifications.Subscribe(second, () => { secondCalled.TrySetResult(); return Task.CompletedTask; });
        await using var db = archive.CreateDbContext();

        // Notifications arrive in order on one connection, so once the second run's subscriber has been called the
        // first's count is final.
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify('evidence_finished', {first.ToString()})", Ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify('evidence_finished', {second.ToString()})", Ct);
        await secondCalled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(1, firstCalls);

        // Disposed: no more calls.
        firstSubscription.Dispose();
        secondCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify('evidence_finished', {first.ToString()})", Ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify('evidence_finished', {second.ToString()})", Ct);
        await secondCalled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(1, firstCalls);
    }
}
