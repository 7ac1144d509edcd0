using Markdig;
using Markdig.Helpers;
using Markdig.Parsers;
using Markdig.Parsers.Inlines;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Archive.Web.Markdown;

/// <summary>
/// Keeps a writeup's tree shallow, so that every writeup renders. Markdig refuses deep documents by throwing an
/// <see cref="ArgumentException"/> ("too deeply nested"): when the parsed tree nests more than
/// <see cref="MarkdownPipeline.MaximumNestingDepth"/> (128) containers (checked in <c>MarkdownParser.ProcessInlines</c>, and
/// again while rendering in <c>RendererBase.WriteChildren</c>, which recurses once a level: the limit is what stands
/// between deep input and a stack overflow, which would end the process), and, whatever that setting, when a block or
/// an unclosed inline is more than 10,240 deep while parsing (<c>Block.UpdateSpanEnd</c>,
/// <c>InlineProcessor.FindLastContainer</c>, walks from the root that also make such input quadratic). A hundred "- "
/// on a line, 200 "&gt;", 1,000 "*" around a word or 5,000 "[" each made it throw, failing the page.
/// <para>
/// Rather than catch that and lose the whole writeup, the tree is never built that deep: a block quote or list item
/// more than <see cref="MaxBlockDepth"/> levels inside others does not open (its marker stays as text in the paragraph
/// at that depth); a "[" or "![" with <see cref="MaxInlineDepth"/> brackets already open is text; and after parsing,
/// inline containers (emphasis, links) more than <see cref="MaxInlineDepth"/> deep are unwrapped into their parent,
/// keeping their text. Real writeups nest a handful of levels. The deepest tree left is about
/// 2 × 32 (a list and its item per level) + 4 (table, row, cell, paragraph) + 32 inline levels, within Markdig's 128.
/// (Pending emphasis delimiters also nest while a paragraph is parsed; <see cref="TypesettingBudget"/> keeps them
/// far below 10,240.)
/// </para>
/// </summary>
internal sealed class NestingLimits : IMarkdownExtension
{
    /// <summary>Block quotes and list items, together, one inside another.</summary>
    public const int MaxBlockDepth = 32;

    /// <summary>Inline containers (emphasis, links, images, open brackets) one inside another.</summary>
    public const int MaxInlineDepth = 32;

    /// <summary>Added last, so that it replaces the parsers every other extension has already arranged.</summary>
    public void Setup(MarkdownPipelineBuilder pipeline)
    {
        pipeline.BlockParsers.Replace<QuoteBlockParser>(new LimitedQuoteBlockParser());
        var list = pipeline.BlockParsers.Find<ListBlockParser>()!;
        pipeline.BlockParsers.Replace<ListBlockParser>(new LimitedListBlockParser(list));
        var link = pipeline.InlineParsers.Find<LinkInlineParser>()!;
        pipeline.InlineParsers.Replace<LinkInlineParser>(new LimitedLinkInlineParser(link.Options));
    }

    public void Setup(MarkdownPipeline pipeline, IMarkdownRenderer renderer)
    {
    }

    /// <summary>
    /// Whether a block opened now would be too deep. The container a new block goes into is the innermost one this line
    /// continued (<see cref="BlockProcessor.GetCurrentContainerOpened"/>), not the innermost open one, which this line
    /// may be about to close.
    /// </summary>
    private static bool BlockWouldBeTooDeep(BlockProcessor processor)
    {
        var depth = 0;
        for (Block? block = processor.GetCurrentContainerOpened(); block is not null; block = block.Parent)
        {
            if (block is QuoteBlock or ListItemBlock) depth++;
        }
        return depth >= MaxBlockDepth;
    }

    /// <summary>
    /// Whether <see cref="MaxInlineDepth"/> brackets are already open where the next inline goes. Pending emphasis
    /// delimiters are on the same chain (Markdig's FindLastContainer walks all of it for every inline) but do not count:
    /// a paragraph or table may have many, and <see cref="TypesettingBudget"/> bounds them.
    /// </summary>
    private static bool TooManyOpenBrackets(InlineProcessor processor)
    {
        var brackets = 0;
        for (var container = processor.Root; container?.LastChild is ContainerInline { IsClosed: false } inner; container = inner)
        {
            if (inner is LinkDelimiterInline && ++brackets >= MaxInlineDepth) return true;
        }
        return false;
    }

    /// <summary>
    /// Unwraps inline containers nested more than <see cref="MaxInlineDepth"/> deep: their children take their place.
    /// Iterative, so the depth of the input never becomes depth of the stack.
    /// </summary>
    public static void FlattenDeepInlines(MarkdownDocument document)
    {
        var pending = new Stack<(ContainerInline Container, int Depth)>();
        foreach (var leaf in document.Descendants<LeafBlock>())
        {
            if (leaf.Inline is not null) pending.Push((leaf.Inline, 0));
            while (pending.TryPop(out var item))
            {
                for (var child = item.Container.FirstChild; child is not null;)
                {
                    if (child is not ContainerInline inner)
                    {
                        child = child.NextSibling;
                    }
                    else if (item.Depth < MaxInlineDepth)
                    {
                        pending.Push((inner, item.Depth + 1));
                        child = child.NextSibling;
                    }
                    else
                    {
                        child = Unwrap(inner);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Replaces a container by its children (an unmatched bracket keeps its "[" as text); returns what now stands in
    /// its place.
    /// </summary>
    private static Inline? Unwrap(ContainerInline container)
    {
        Inline anchor = container;
        if (container is DelimiterInline delimiter)
        {
            var literal = new LiteralInline(delimiter.ToLiteral());
            anchor.InsertAfter(literal);
            anchor = literal;
        }
        while (container.LastChild is { } last)
        {
            last.Remove();
            anchor.InsertAfter(last);
        }
        var next = container.NextSibling;
        container.Remove();
        return next;
    }

    private sealed class LimitedQuoteBlockParser : QuoteBlockParser
    {
        public override BlockState TryOpen(BlockProcessor processor) =>
            BlockWouldBeTooDeep(processor) ? BlockState.None : base.TryOpen(processor);
    }

    private sealed class LimitedListBlockParser : ListBlockParser
    {
        public LimitedListBlockParser(ListBlockParser original)
        {
            ItemParsers.Clear();
            ItemParsers.AddRange(original.ItemParsers);
        }

        public override BlockState TryOpen(BlockProcessor processor) =>
            BlockWouldBeTooDeep(processor) ? BlockState.None : base.TryOpen(processor);
    }

    private sealed class LimitedLinkInlineParser(Markdig.Parsers.LinkOptions options) : LinkInlineParser(options)
    {
        public override bool Match(InlineProcessor processor, ref StringSlice slice)
        {
            var opens = slice.CurrentChar == '[' || (slice.CurrentChar == '!' && slice.PeekChar() == '[');
            return !(opens && TooManyOpenBrackets(processor)) && base.Match(processor, ref slice);
        }
    }
}
