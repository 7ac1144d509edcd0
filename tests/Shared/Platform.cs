// The archive runs on Linux (Debian here, the containers in production); the blob tests check Unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
