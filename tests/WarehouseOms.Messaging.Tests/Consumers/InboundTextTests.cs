using System.Text;
using MassTransit;
using MassTransit.Serialization;
using WarehouseOms.Messaging.Consumers;
using Xunit;

namespace WarehouseOms.Messaging.Tests.Consumers;

public sealed class InboundTextTests
{
    [Theory]
    [InlineData("ORD-1")]
    [InlineData("Jane Doe")]
    [InlineData("Zoë Ångström-Łukasiewicz")]
    [InlineData("倉庫-7")]
    [InlineData("📦 box")]
    public void FindUnprintable_PrintableText_IsNull(string value) => Assert.Null(InboundText.FindUnprintable(value));

    [Theory]
    [InlineData("AB\0C", "U+0000 at index 2")]
    [InlineData("ORD-1\nINF fake line", "U+000A at index 5")]
    [InlineData("\u001b[31mred", "U+001B at index 0")]
    [InlineData("abc\u007f", "U+007F at index 3")]
    [InlineData("x\u0085", "U+0085 at index 1")]
    [InlineData("evil\u202Etxt.exe", "U+202E at index 4")]
    [InlineData("a\u2028b", "U+2028 at index 1")]
    [InlineData("zero\u200Bwidth", "U+200B at index 4")]
    public void FindUnprintable_ControlFormatAndSeparatorCharacters_AreNamedWithTheirIndex(string value, string expected) =>
        Assert.Equal(expected, InboundText.FindUnprintable(value));

    [Fact]
    public void FindUnprintable_UnpairedSurrogate_IsNamed() =>
        Assert.Equal("an unpaired surrogate U+D800 at index 1", InboundText.FindUnprintable("a\uD800b"));

    [Fact]
    public void Escape_NewlineAndNul_CannotStartALogLine()
    {
        var escaped = LogText.Escape("ORD-1\r\n[12:00:00 INF] forged\0");

        Assert.Equal("ORD-1\\u000d\\u000a[12:00:00 INF] forged\\u0000", escaped);
        Assert.DoesNotContain('\n', escaped);
        Assert.DoesNotContain('\0', escaped);
    }

    [Fact]
    public void Escape_PrintableValue_IsUnchanged()
    {
        Assert.Equal("Zoë 📦", LogText.Escape("Zoë 📦"));
        Assert.Equal(string.Empty, LogText.Escape(null));
    }

    [Fact]
    public void Escape_LongValue_IsCutAndSaysHowMuchIsLeft()
    {
        var escaped = LogText.Escape(new string('x', 1000), maxLength: 10);

        Assert.Equal("xxxxxxxxxx…(+990 chars)", escaped);
    }

    [Fact]
    public void Escape_UnpairedSurrogate_IsEscaped() => Assert.Equal("a\\ud800b", LogText.Escape("a\uD800b"));

    [Fact]
    public void BodySizeLimit_BodyOverTheLimit_IsRefusedWithBothSizes()
    {
        BodySizeLimit.Check(new Body(new byte[1024]), maxBytes: 1024);

        var refused = Assert.Throws<MessageTooLargeException>(() => BodySizeLimit.Check(new Body(new byte[1025]), maxBytes: 1024));

        Assert.Equal("message body is 1025 bytes, over the limit of 1024 bytes (Messaging:MaxMessageBytes); not deserialized", refused.Message);
    }

    [Fact]
    public void HeaderSizeLimit_CountsEachEntryAsAmqpEncodesIt_AndRefusesOverTheLimitWithBothSizes()
    {
        // A field-table entry: name length (1) + name + type (1) + value; a long string adds its 4-byte length.
        var headers = new Dictionary<string, object?> { ["abc"] = "hello", ["n"] = 7L, ["raw"] = new byte[10] };
        Assert.Equal((1 + 3 + 1 + 4 + 5) + (1 + 1 + 1 + 8) + (1 + 3 + 1 + 4 + 10), HeaderSizeLimit.SizeOf(headers));

        var big = new DictionarySendHeaders();
        big.Set("x-pad", new string('a', 2000));
        HeaderSizeLimit.Check(big, maxBytes: 2011);
        var refused = Assert.Throws<HeadersTooLargeException>(() => HeaderSizeLimit.Check(big, maxBytes: 2010));

        Assert.Equal("message headers are 2011 bytes, over the limit of 2010 bytes (Messaging:MaxHeaderBytes); not deserialized", refused.Message);
    }

    private sealed class Body(byte[] bytes) : MessageBody
    {
        public long? Length => bytes.Length;

        public Stream GetStream() => new MemoryStream(bytes, writable: false);

        public byte[] GetBytes() => bytes;

        public string GetString() => Encoding.UTF8.GetString(bytes);
    }
}
