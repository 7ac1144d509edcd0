namespace Archive.Tests.Shared;

/// <summary>
/// The S3-protocol server that the test script (.ci/test) starts for the run (s3rver, from npm), passed in
/// ARCHIVE_TEST_S3. Without it the S3 tests cannot run, and say so: they never pass against nothing.
/// </summary>
public static class S3TestServer
{
    public const string Variable = "ARCHIVE_TEST_S3";

    /// <summary>s3rver's fixed credentials.</summary>
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    public static string Url => Environment.GetEnvironmentVariable(Variable)
        ?? throw new InvalidOperationException($"{Variable} is not set. Run the tests with .ci/test, which starts a local S3 server (s3rver) and sets it.");
}
