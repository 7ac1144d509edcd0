using Archive.Data.Accounts;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Archive.Web.Accounts;

/// <summary>
/// Sends Identity's emails (password reset) through the configured SMTP server. A local archive has none, so the link is
/// written to the log, where the person who started it can follow it.
/// </summary>
public sealed partial class AccountEmailSender(IOptions<SmtpOptions> options, ILogger<AccountEmailSender> logger) : IEmailSender<User>
{
    public Task SendConfirmationLinkAsync(User user, string email, string confirmationLink) =>
        SendAsync(email, "Confirm your Specimen Archive account", $"Confirm your account by opening this link:\n\n{confirmationLink}\n");

    public Task SendPasswordResetLinkAsync(User user, string email, string resetLink) =>
        SendAsync(email, "Reset your Specimen Archive password",
            $"Someone (we hope you) asked to reset the password of {user.Handle}. Open this link to choose a new one:\n\n{resetLink}\n\nIf it was not you, ignore this message.");

    public Task SendPasswordResetCodeAsync(User user, string email, string resetCode) =>
        SendAsync(email, "Your Specimen Archive password reset code", $"Your password reset code is {resetCode}.\n");

    private async Task SendAsync(string to, string subject, string body)
    {
        var smtp = options.Value;
        if (smtp.Host is null || !smtp.Configured)
        {
            LogUnsent(to, subject, body);
            return;
        }
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };

        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None);
        if (!string.IsNullOrEmpty(smtp.UserName)) await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "");
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
        LogSent(to, subject);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No SMTP server is configured (Smtp:Host); this email to {To} was not sent. {Subject}:\n{Body}")]
    private partial void LogUnsent(string to, string subject, string body);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent \"{Subject}\" to {To}.")]
    private partial void LogSent(string to, string subject);
}
