using System.Globalization;
using System.Text;
using System.Text.Json;
using Temporalio.Api.Enums.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Visibility;

/// <summary>
/// The list query language users type: comparisons (=, !=, &lt;&gt;, &lt;, &lt;=, &gt;, &gt;=), IN, BETWEEN … AND …,
/// STARTS_WITH, IS [NOT] NULL, AND / OR / NOT with parentheses (keywords in any case), ORDER BY and, for
/// counts, GROUP BY ExecutionStatus. Fields: WorkflowId, WorkflowType, RunId, TaskQueue, ExecutionStatus,
/// StartTime, CloseTime, ExecutionTime and custom search attributes. Anything else is INVALID_ARGUMENT
/// naming the problem, never an empty success.
/// </summary>
internal sealed class VisibilityQuery
{
    private readonly Func<Execution, bool> filter;

    private VisibilityQuery(Func<Execution, bool> filter, string? orderBy, bool descending, string? groupBy, Narrowing? narrowing = null)
    {
        this.filter = filter;
        OrderBy = orderBy;
        Descending = descending;
        GroupBy = groupBy;
        Narrowing = narrowing ?? Narrowing.None;
    }

    /// <summary>What every match has that an index can narrow by (from the query's top-level AND).</summary>
    public Narrowing Narrowing { get; }

    /// <summary>Fields an index can narrow by (<see cref="Narrowing.Equalities"/> of these are collected).</summary>
    internal static readonly HashSet<string> IndexedFields = ["WorkflowId", "WorkflowType", "RunId", "TaskQueue", "ExecutionStatus"];

    /// <summary>No ORDER BY: Temporal's list order (<see cref="ListPosition"/>), what the indexes and the store's scans keep.</summary>
    public bool InListOrder => OrderBy is null;

    public string? OrderBy { get; }

    public bool Descending { get; }

    /// <summary>Only <c>ExecutionStatus</c> is supported, as in Temporal.</summary>
    public string? GroupBy { get; }

    public bool Matches(Execution run) => filter(run);

    /// <summary>ORDER BY when given (ties in list order), otherwise Temporal's list order.</summary>
    public IEnumerable<Execution> Sort(IEnumerable<Execution> runs)
    {
        if (OrderBy is null)
        {
            return runs.OrderBy(ListPosition.Of);
        }

        var key = (Func<Execution, Value>)(r => Field(OrderBy, r));
        var sorted = Descending ? runs.OrderByDescending(key, ValueComparer.Instance) : runs.OrderBy(key, ValueComparer.Instance);
        return sorted.ThenBy(ListPosition.Of);
    }

    /// <param name="typeOf">The registered type of a field (null: not a search attribute): unknown fields are refused, as in Temporal.</param>
    public static VisibilityQuery Parse(string? text, Func<string, IndexedValueType?>? typeOf = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new VisibilityQuery(_ => true, null, false, null, Narrowing.All);
        }

        // Temporal parses "select * from table1 where <query>" (no "where" before a leading ORDER BY or GROUP BY), and
        // its SQL parser reports a syntax error at a position in that statement: where it read past the bad token.
        var query = text.Trim();
        var clause = query.StartsWith("order by", StringComparison.OrdinalIgnoreCase) || query.StartsWith("group by", StringComparison.OrdinalIgnoreCase);
        var offset = (clause ? "select * from table1 " : "select * from table1 where ").Length;
        var parser = new Parser(Tokenize(query, offset), endOfStatement: offset + Encoding.UTF8.GetByteCount(query) + 1, typeOf);
        return parser.Query();
    }

    internal static Value Field(string name, Execution run) => name switch
    {
        "WorkflowId" => Value.Of(run.WorkflowId),
        "WorkflowType" => Value.Of(run.WorkflowType),
        "RunId" => Value.Of(run.RunId),
        "TaskQueue" => Value.Of(run.TaskQueue),
        "ExecutionStatus" => Value.Of(run.Status.ToString()),
        "StartTime" => Value.Of(run.StartTime),
        "ExecutionTime" => Value.Of(run.ExecutionTime),
        "CloseTime" => run.CloseTime is { } closed ? Value.Of(closed) : Value.Null,
        // Written by Temporal's visibility when the run closes (ExecutionDuration in nanoseconds, as stored).
        "ExecutionDuration" => run.CloseTime is { } ended ? Value.Of((ended - run.ExecutionTime).Ticks * 100.0) : Value.Null,
        "HistorySizeBytes" => run.IsOpen ? Value.Null : Value.Of(run.HistorySizeBytes),
        "StateTransitionCount" => run.IsOpen ? Value.Null : Value.Of(run.StateTransitionCount),
        // A closed run read back without its events (PostgreSQL scans) knows its stored event count.
        "HistoryLength" => run.IsOpen ? Value.Null : Value.Of(run.History.Count > 0 ? run.History.Count : run.PersistedEventCount),
        "ParentWorkflowId" => run.Parent is { } parent ? Value.Of(parent.WorkflowId) : Value.Null,
        "ParentRunId" => run.Parent is { } parent ? Value.Of(parent.RunId) : Value.Null,
        "RootWorkflowId" => Value.Of((run.Root ?? run.Ref).WorkflowId),
        "RootRunId" => Value.Of((run.Root ?? run.Ref).RunId),
        _ => SearchAttribute(name, run),
    };

    private static Value SearchAttribute(string name, Execution run)
    {
        if (!run.SearchAttributes.IndexedFields.TryGetValue(name, out var payload))
        {
            return Value.Null;
        }

        try
        {
            using var json = JsonDocument.Parse(payload.Data.Memory);
            return json.RootElement.ValueKind switch
            {
                JsonValueKind.String => json.RootElement.TryGetDateTime(out var time) ? Value.Of(time.ToUniversalTime()) : Value.Of(json.RootElement.GetString()!),
                JsonValueKind.Number => Value.Of(json.RootElement.GetDouble()),
                JsonValueKind.True or JsonValueKind.False => Value.Of(json.RootElement.GetBoolean() ? "true" : "false"),
                JsonValueKind.Array => Value.OfList(json.RootElement.EnumerateArray().Select(e => e.ToString()).ToList()),
                _ => Value.Null,
            };
        }
        catch (JsonException)
        {
            return Value.Null;
        }
    }

    /// <param name="offset">Where the query starts in the statement Temporal parses (error positions count from there).</param>
    private static List<Token> Tokenize(string text, int offset)
    {
        // The position Temporal's parser reports for a token that ends before index end of the query (Go counts bytes).
        int After(int end) => offset + Encoding.UTF8.GetByteCount(text.AsSpan(0, end)) + 1;

        var tokens = new List<Token>();
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '\'' or '"' or '`')
            {
                var end = i + 1;
                var literal = new StringBuilder();
                // As the SQL tokenizer Temporal parses with: a doubled quote or a backslash escape stands for the character.
                while (end < text.Length)
                {
                    if (text[end] == '\\' && c != '`' && end + 1 < text.Length)
                    {
                        literal.Append(text[end + 1]);
                        end += 2;
                    }
                    else if (text[end] == c && end + 1 < text.Length && text[end + 1] == c)
                    {
                        literal.Append(c);
                        end += 2;
                    }
                    else if (text[end] == c)
                    {
                        break;
                    }
                    else
                    {
                        literal.Append(text[end++]);
                    }
                }

                if (end >= text.Length)
                {
                    throw SyntaxError(After(text.Length), literal.ToString());
                }

                tokens.Add(new Token(c == '`' ? TokenKind.Identifier : TokenKind.String, literal.ToString(), After(end + 1), Quoted: true));
                i = end + 1;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i], After(i)));
            }
            else if (char.IsDigit(c) || (c == '-' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                var start = i++;
                while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Number, text[start..i], After(i)));
            }
            else if (c is '(' or ')' or ',')
            {
                tokens.Add(new Token(TokenKind.Symbol, c.ToString(), After(++i)));
            }
            else if (c is '=' or '!' or '<' or '>')
            {
                var two = i + 1 < text.Length ? text.Substring(i, 2) : null;
                if (two is "!=" or "<>" or "<=" or ">=")
                {
                    i += 2;
                    tokens.Add(new Token(TokenKind.Symbol, two, After(i)));
                }
                else if (c != '!')
                {
                    tokens.Add(new Token(TokenKind.Symbol, c.ToString(), After(++i)));
                }
                else
                {
                    throw SyntaxError(After(i + 1));
                }
            }
            else
            {
                // The SQL tokenizer returns an operator character it does not know as itself, with no text to show.
                throw SyntaxError(After(i + 1));
            }
        }

        return tokens;
    }

    // Temporal's query converter errors: "invalid query: <category>: <detail>".
    private static global::Grpc.Core.RpcException Malformed(string detail) => Errors.InvalidArgument($"invalid query: malformed SQL query: {detail}");

    // As Temporal's SQL parser words it: "syntax error at position N", with "near '<token>'" when the token has text.
    private static global::Grpc.Core.RpcException SyntaxError(int position, string? near = null) =>
        Malformed(near is null ? $"syntax error at position {position}" : $"syntax error at position {position} near '{near}'");

    private static global::Grpc.Core.RpcException SyntaxError(Token token) =>
        SyntaxError(token.ErrorPosition, token.Kind == TokenKind.Symbol ? null
            : token.IsKeyword ? token.Text.ToLowerInvariant() : token.Text);

    // Words the SQL tokenizer reads as keywords (it shows them lower-cased), those a filter is likely to hold.
    private static readonly HashSet<string> SqlKeywords = new(
        ["and", "or", "not", "xor", "in", "between", "is", "null", "true", "false", "like", "regexp", "rlike", "escape", "order", "group",
         "by", "asc", "desc", "limit", "having", "select", "from", "where", "exists", "case", "when", "then", "else", "end",
         "distinct", "as", "on", "join", "union", "all", "interval", "div", "mod", "collate", "binary", "offset", "for", "update"],
        StringComparer.OrdinalIgnoreCase);

    private static global::Grpc.Core.RpcException Invalid(string detail) => Errors.InvalidArgument($"invalid query: invalid expression: {detail}");

    private static global::Grpc.Core.RpcException NotSupported(string detail) => Errors.InvalidArgument($"invalid query: operation is not supported: {detail}");

    internal enum TokenKind
    {
        Identifier,
        String,
        Number,
        Symbol,
    }

    /// <param name="ErrorPosition">Where Temporal's parser reports a syntax error at this token.</param>
    /// <param name="Quoted">A string, or a name in backquotes (never a keyword).</param>
    internal sealed record Token(TokenKind Kind, string Text, int ErrorPosition, bool Quoted = false)
    {
        public bool IsKeyword => Kind == TokenKind.Identifier && !Quoted && SqlKeywords.Contains(Text);

        public bool Is(string keyword) =>
            Kind is TokenKind.Identifier or TokenKind.Symbol && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Recursive descent: or := and (OR and)*; and := not (AND not)*; not := NOT not | ( or ) | predicate.</summary>
    /// <param name="endOfStatement">Where Temporal's parser reports a syntax error at the end of the query.</param>
    private sealed class Parser(List<Token> tokens, int endOfStatement, Func<string, IndexedValueType?>? typeOf)
    {
        private static readonly HashSet<string> Statuses =
            new(Enum.GetNames<WorkflowExecutionStatus>().Where(n => n != nameof(WorkflowExecutionStatus.Unspecified)), StringComparer.OrdinalIgnoreCase);

        private int position;

        private Token? Current => position < tokens.Count ? tokens[position] : null;

        public VisibilityQuery Query()
        {
            Func<Execution, bool> filter = _ => true;
            Narrowing? narrowing = Narrowing.All;
            if (Current is { } first && !first.Is("ORDER") && !first.Is("GROUP"))
            {
                (filter, narrowing) = Or();
            }

            string? orderBy = null;
            var descending = false;
            string? groupBy = null;
            if (Accept("ORDER"))
            {
                Expect("BY");
                orderBy = FieldName();
                if (orderBy is not ("StartTime" or "CloseTime" or "ExecutionTime" or "WorkflowId" or "WorkflowType" or "ExecutionStatus"))
                {
                    throw NotSupported($"unable to sort by search attribute {orderBy}");
                }

                descending = Accept("DESC");
                if (!descending)
                {
                    Accept("ASC");
                }
            }
            else if (Accept("GROUP"))
            {
                Expect("BY");
                groupBy = FieldName();
                if (groupBy != "ExecutionStatus")
                {
                    throw NotSupported($"'GROUP BY' clause is not supported for search attribute {groupBy}");
                }
            }

            if (Current is { } extra)
            {
                throw SyntaxError(extra);
            }

            return new VisibilityQuery(filter, orderBy, descending, groupBy, narrowing);
        }

        // Each level returns its filter and what every match has that an index can narrow by (null: nothing known).
        private (Func<Execution, bool> Filter, Narrowing? Narrowing) Or()
        {
            var (left, narrowing) = And();
            while (Accept("OR"))
            {
                var (a, (b, _)) = (left, And());
                left = r => a(r) || b(r);
                narrowing = null;
            }

            return (left, narrowing);
        }

        private (Func<Execution, bool> Filter, Narrowing? Narrowing) And()
        {
            var (left, narrowing) = Not();
            while (Accept("AND"))
            {
                var (a, (b, more)) = (left, Not());
                left = r => a(r) && b(r);
                // A condition no index knows (null) leaves the other side's narrowing, which then no longer says it all.
                narrowing = narrowing is null ? more is null ? null : more with { Exact = false }
                    : more is null ? narrowing with { Exact = false } : narrowing.And(more);
            }

            return (left, narrowing);
        }

        private (Func<Execution, bool> Filter, Narrowing? Narrowing) Not()
        {
            if (Accept("NOT"))
            {
                var (inner, _) = Not();
                return (r => !inner(r), null);
            }

            if (Accept("("))
            {
                var inner = Or();
                Expect(")");
                return inner;
            }

            return Predicate();
        }

        /// <summary>A status literal as the index keys it: "Running", "running" or "WORKFLOW_EXECUTION_STATUS_RUNNING".</summary>
        private static string? StatusName(string literal)
        {
            const string EnumPrefix = "WORKFLOW_EXECUTION_STATUS_";
            var name = literal.StartsWith(EnumPrefix, StringComparison.Ordinal) ? literal[EnumPrefix.Length..].Replace("_", string.Empty, StringComparison.Ordinal) : literal;
            return Statuses.TryGetValue(name, out var status) ? status : null;
        }

        private (Func<Execution, bool> Filter, Narrowing? Narrowing) Predicate()
        {
            // Temporal's converter names an attribute in its errors as the query spells it (before resolving it).
            var alias = Current?.Text ?? string.Empty;
            var field = FieldName();
            var type = typeOf?.Invoke(field);
            if (Accept("IS"))
            {
                var negate = Accept("NOT");
                if (Current is { } truth && (truth.Is("true") || truth.Is("false")))
                {
                    Next();
                    throw Invalid("'IS' operator can only be used as 'IS NULL' or 'IS NOT NULL'");
                }

                Expect("NULL");
                return (r => Field(field, r).IsNull != negate, null);
            }

            var not = Accept("NOT");
            if (Accept("IN"))
            {
                Expect("(");
                var values = new List<Value> { Literal(field) };
                while (Accept(","))
                {
                    values.Add(Literal(field));
                }

                Expect(")");
                RequireOperator(type, alias, not ? "not in" : "in");
                return (r => values.Any(v => Field(field, r).EqualsValue(v)) != not, null);
            }

            if (Accept("BETWEEN"))
            {
                // Temporal's converter checks the type before it reads the bounds.
                if (type is { } rangeType && rangeType is not (IndexedValueType.Datetime or IndexedValueType.Double or IndexedValueType.Int or IndexedValueType.Keyword))
                {
                    throw Invalid($"cannot do range condition on search attribute '{alias}' of type {rangeType}");
                }

                var low = Literal(field);
                Expect("AND");
                var high = Literal(field);

                return (r => (ValueComparer.Instance.Compare(Field(field, r), low) >= 0 && ValueComparer.Instance.Compare(Field(field, r), high) <= 0 && !Field(field, r).IsNull) != not,
                    not ? null : field switch
                    {
                        "StartTime" => Narrowing.StartedBetween(low.Time, high.Time),
                        "CloseTime" => Narrowing.ClosedBetween(low.Time, high.Time),
                        _ => null,
                    });
            }

            if (Accept("STARTS_WITH"))
            {
                var start = Literal(field);
                RequireOperator(type, alias, not ? "not starts_with" : "starts_with");
                var prefix = start.Text ?? throw Invalid($"STARTS_WITH on {field} needs a string");
                return (r => (Field(field, r).Text?.StartsWith(prefix, StringComparison.Ordinal) == true) != not,
                    field == "WorkflowId" && !not ? Narrowing.Prefix(prefix) : null);
            }

            // The SQL parser reads LIKE and REGEXP (RLIKE is REGEXP there); Temporal's converter then refuses them for every type.
            if (Current is { } pattern && (pattern.Is("LIKE") || pattern.Is("REGEXP") || pattern.Is("RLIKE")))
            {
                var refused = (not ? "not " : string.Empty) + (Next().Is("LIKE") ? "like" : "regexp");
                Literal(field);
                RequireOperator(type, alias, refused);
            }

            if (not)
            {
                throw SyntaxAt(Current); // NOT after a name must be followed by IN or BETWEEN
            }

            var op = Current is { Kind: TokenKind.Symbol } symbol && symbol.Text is "=" or "!=" or "<>" or "<" or "<=" or ">" or ">="
                ? Next().Text
                : throw SyntaxAt(Current);
            var value = Literal(field);
            RequireOperator(type, alias, op == "<>" ? "!=" : op);
            if (type == IndexedValueType.Text)
            {
                return (TextComparison(field, op, value), null);
            }

            Func<Execution, bool> comparison = op switch
            {
                "=" => r => Field(field, r).EqualsValue(value),
                "!=" or "<>" => r => !Field(field, r).EqualsValue(value),
                "<" => r => Compare(field, r, value) is < 0,
                "<=" => r => Compare(field, r, value) is <= 0,
                ">" => r => Compare(field, r, value) is > 0,
                _ => r => Compare(field, r, value) is >= 0,
            };
            return (comparison, NarrowingOf(field, op, value));
        }

        /// <summary>A comparison an index can narrow by: an indexed field equal to a text, or a start- or close-time bound.</summary>
        private static Narrowing? NarrowingOf(string field, string op, Value value)
        {
            if (op == "=" && IndexedFields.Contains(field) && value.Text is { } text)
            {
                return Narrowing.Equal(field, text); // a status literal is already its enum name (Literal)
            }

            if (value.Time is not { } time || Narrowing.RangeOf(op, time) is not var (from, to))
            {
                return null;
            }

            return field switch
            {
                "StartTime" => Narrowing.StartedBetween(from, to),
                "CloseTime" => Narrowing.ClosedBetween(from, to),
                _ => null,
            };
        }

        /// <summary>
        /// The operators Temporal's query converter takes for each type of attribute; any other is refused with its
        /// message ("operator 'LIKE' not supported for Keyword type search attribute 'WorkflowId'").
        /// </summary>
        private static void RequireOperator(IndexedValueType? known, string alias, string op)
        {
            if (known is not { } type)
            {
                return;
            }

            var allowed = type switch
            {
                IndexedValueType.Keyword => op is "=" or "!=" or "<" or ">" or "<=" or ">=" or "in" or "not in" or "starts_with" or "not starts_with",
                IndexedValueType.KeywordList => op is "=" or "!=" or "in" or "not in",
                IndexedValueType.Text => op is "=" or "!=",
                _ => op is "=" or "!=" or "<" or ">" or "<=" or ">=" or "in" or "not in",
            };
            if (!allowed)
            {
                throw NotSupported($"operator '{op.ToUpperInvariant()}' not supported for {type} type search attribute '{alias}'");
            }
        }

        /// <summary>
        /// A Text attribute is searched by words, as Temporal's full-text index does: "=" matches a value holding
        /// any word of the literal (case-insensitive), "!=" one holding none (other operators are refused before).
        /// </summary>
        private Func<Execution, bool> TextComparison(string field, string op, Value value)
        {
            var wanted = Words(value.Text);
            return r => Words(Field(field, r).Text).Overlaps(wanted) == (op == "=");

            static HashSet<string> Words(string? phrase) =>
                new((phrase ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);
        }

        private static int? Compare(string field, Execution run, Value value)
        {
            var actual = Field(field, run);
            return actual.IsNull ? null : ValueComparer.Instance.Compare(actual, value);
        }

        private string FieldName()
        {
            var token = Next();
            if (token.Kind != TokenKind.Identifier || token.IsKeyword)
            {
                throw SyntaxError(token);
            }

            return Resolve(token.Text);
        }

        /// <summary>
        /// A field as Temporal's query converter resolves it: a known name as it is; otherwise <c>ScheduleId</c>
        /// (with or without the prefix) stands for WorkflowId, and any other name is tried with its "Temporal"
        /// prefix added or removed.
        /// </summary>
        private string Resolve(string name)
        {
            if (typeOf is null || typeOf(name) is not null)
            {
                return name;
            }

            const string Reserved = "Temporal";
            var unprefixed = name.StartsWith(Reserved, StringComparison.Ordinal) ? name[Reserved.Length..] : null;
            if ((unprefixed ?? name) == "ScheduleId")
            {
                return "WorkflowId";
            }

            var other = unprefixed ?? Reserved + name;
            return typeOf(other) is not null ? other : throw Invalid($"column name '{name}' is not a valid search attribute");
        }

        private Value Literal(string field)
        {
            var token = Next();
            // Temporal also takes a status by its number and by its full enum name.
            if (field == "ExecutionStatus" && token.Kind == TokenKind.Number)
            {
                return int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && Enum.IsDefined((WorkflowExecutionStatus)code) && code != 0
                    ? Value.Of(((WorkflowExecutionStatus)code).ToString())
                    : throw Invalid($"invalid ExecutionStatus value {token.Text}");
            }

            if (field == "ExecutionDuration" && token.Kind is TokenKind.String or TokenKind.Number)
            {
                return Value.Of(DurationNanoseconds(token.Text) ?? throw Invalid($"invalid duration value for search attribute ExecutionDuration: {token.Text}"));
            }

            if (token.Kind == TokenKind.Number)
            {
                return Value.Of(double.Parse(token.Text, CultureInfo.InvariantCulture));
            }

            // Bool attributes compare with a bare true/false (e.g. TemporalSchedulePaused = true).
            if (token.Kind == TokenKind.Identifier && (token.Is("true") || token.Is("false")))
            {
                return Value.Of(token.Is("true") ? "true" : "false");
            }

            if (token.Kind != TokenKind.String)
            {
                throw SyntaxError(token);
            }

            if (field is "StartTime" or "CloseTime" or "ExecutionTime")
            {
                return DateTime.TryParse(token.Text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
                    ? Value.Of(time)
                    : throw Invalid($"unable to parse datetime '{token.Text}'");
            }

            if (field == "ExecutionStatus")
            {
                return StatusName(token.Text) is { } status
                    ? Value.Of(status)
                    : throw Invalid($"invalid ExecutionStatus value '{token.Text}'");
            }

            return DateTime.TryParse(token.Text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var when) && token.Text.Contains('T', StringComparison.Ordinal)
                ? Value.Of(token.Text, when)
                : Value.Of(token.Text);
        }

        /// <summary>A duration as Temporal reads one for ExecutionDuration: nanoseconds, or Go's form ("90s", "1h30m", "250ms").</summary>
        private static double? DurationNanoseconds(string literal)
        {
            if (double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var nanoseconds))
            {
                return nanoseconds;
            }

            var total = 0.0;
            var matches = System.Text.RegularExpressions.Regex.Matches(literal, @"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)");
            if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != literal)
            {
                return null;
            }

            foreach (System.Text.RegularExpressions.Match m in matches)
            {
                var unit = m.Groups[2].Value switch
                {
                    "ns" => 1.0, "us" or "µs" => 1e3, "ms" => 1e6, "s" => 1e9, "m" => 60e9, _ => 3600e9,
                };
                total += double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * unit;
            }

            return total;
        }

        private bool Accept(string keyword)
        {
            if (Current is { } token && token.Is(keyword))
            {
                position++;
                return true;
            }

            return false;
        }

        private void Expect(string keyword)
        {
            if (!Accept(keyword))
            {
                throw SyntaxAt(Current);
            }
        }

        private Token Next() => position < tokens.Count ? tokens[position++] : throw SyntaxAt(null);

        private global::Grpc.Core.RpcException SyntaxAt(Token? token) => token is null ? SyntaxError(endOfStatement) : SyntaxError(token);
    }
}

/// <summary>A field or literal value: text, number, time, a keyword list, or null.</summary>
internal sealed record Value(string? Text, double? Number, DateTime? Time, IReadOnlyList<string>? List)
{
    public static readonly Value Null = new(null, null, null, null);

    public bool IsNull => Text is null && Number is null && Time is null && List is null;

    public static Value Of(string text) => new(text, null, null, null);

    public static Value Of(string text, DateTime time) => new(text, null, time, null);

    public static Value Of(double number) => new(null, number, null, null);

    public static Value Of(DateTime time) => new(null, null, time, null);

    public static Value OfList(IReadOnlyList<string> list) => new(null, null, null, list);

    public bool EqualsValue(Value other)
    {
        if (List is { } items)
        {
            return other.Text is { } wanted && items.Contains(wanted);
        }

        if (Time is { } t && other.Time is { } u)
        {
            return t == u;
        }

        if (Number is { } n && other.Number is { } m)
        {
            return n.Equals(m);
        }

        return Text is not null && string.Equals(Text, other.Text, StringComparison.Ordinal);
    }
}

internal sealed class ValueComparer : IComparer<Value>
{
    public static readonly ValueComparer Instance = new();

    public int Compare(Value? x, Value? y)
    {
        if (x is null || x.IsNull)
        {
            return y is null || y.IsNull ? 0 : -1;
        }

        if (y is null || y.IsNull)
        {
            return 1;
        }

        if (x.Time is { } a && y.Time is { } b)
        {
            return a.CompareTo(b);
        }

        if (x.Number is { } m && y.Number is { } n)
        {
            return m.CompareTo(n);
        }

        return string.CompareOrdinal(x.Text, y.Text);
    }
}
