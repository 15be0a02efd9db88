// Package csvselect is the SQL engine of Glacier Select: it evaluates an
// S3 Select SQL expression over a CSV archive, streaming.
//
// [Compile] validates a select job's CSV settings and parses its expression,
// reporting problems as *firn.Error with code InvalidParameterValueException
// and a message naming the field or the line and column in the expression,
// as InitiateJob must. [Query.Run] then reads the archive record by record,
// evaluates the query and writes CSV results; its memory is bounded by the
// widest record (at most [MaxRecordSize]), not by the archive. Failures
// caused by the data are a *[RuntimeError]. The package uses only the
// standard library and package firn, starts no goroutines and never reads
// the clock.
//
// # Dialect
//
//	query      = SELECT ( '*' | alias '.' '*' | item { ',' item } )
//	             FROM ( ARCHIVE | OBJECT ) [ [AS] alias ]
//	             [ WHERE expr ]
//	item       = expr [ [AS] alias ]
//	column     = [ alias '.' ] ( _N | name | "Name" )
//
// Keywords and unquoted names are case-insensitive. _1, _2, ... are fields by
// position. Other names are header names and need FileHeaderInfo USE:
// unquoted they match the header case-insensitively, double-quoted exactly;
// a name that matches no header field is a MissingHeaderName error, one that
// matches two an AmbiguousFieldName error. The words of the dialect (SELECT,
// FROM, WHERE, AND, CAST, NULL, ...) must be double-quoted to be used as names.
//
// Literals: 'string' (with a quote inside doubled), integers (INT), numbers with a point or
// an exponent (DECIMAL), TRUE, FALSE, NULL, MISSING, and timestamps in
// backticks such as `2007-04-05T14:30Z`. Comments: -- to the end of the line
// and /* ... */.
//
// Operators, from the tightest: unary - and +; * / %; + - and || (string
// concatenation); [NOT] IN (list); [NOT] BETWEEN a AND b; [NOT] LIKE pattern
// [ESCAPE c] and IS [NOT] NULL | MISSING; < <= > >=; = <> !=; NOT; AND; OR.
// In LIKE, % matches any run of characters and _ one character; matching is
// case-sensitive.
//
// Functions: CAST(x AS INT | INTEGER | FLOAT | DECIMAL | NUMERIC | STRING |
// BOOL | BOOLEAN | TIMESTAMP) (DECIMAL(p, s) is accepted and p, s ignored);
// LOWER, UPPER, CHAR_LENGTH, CHARACTER_LENGTH, TRIM([[LEADING | TRAILING |
// BOTH] [chars] FROM] s), SUBSTRING(s FROM start [FOR length]) and
// SUBSTRING(s, start [, length]); COALESCE, NULLIF; UTCNOW(),
// TO_TIMESTAMP(s), TO_STRING(ts, 'pattern'), EXTRACT(part FROM ts),
// DATE_ADD(part, n, ts), DATE_DIFF(part, ts1, ts2) with parts YEAR, MONTH,
// DAY, HOUR, MINUTE, SECOND (and TIMEZONE_HOUR, TIMEZONE_MINUTE for
// EXTRACT).
//
// As the Glacier Select SQL reference documents, the aggregate functions
// (COUNT, SUM, AVG, MIN, MAX) and the LIMIT clause, which S3 Select has, are
// not supported, nor is S3 Select's table name S3Object; neither are
// DISTINCT, GROUP BY, ORDER BY, HAVING, UNION, joins, subqueries and CASE.
// Compile rejects them with a message naming the construct.
//
// # Semantics
//
// Every CSV field is a STRING; an empty field is the empty string, not NULL.
// A field past the end of a record is MISSING, which behaves as NULL except
// in IS MISSING. Comparisons, arithmetic, CAST and the string and date
// functions give NULL for a NULL or MISSING operand; AND, OR and NOT follow three-valued logic; WHERE
// keeps a record only when it is TRUE. Operands are evaluated left to right,
// and AND, OR, IN and COALESCE stop as soon as the result is known.
//
// INT arithmetic is 64-bit and fails with IntegerOverflow instead of wrapping;
// INT / INT truncates. An operation on INT and DECIMAL is DECIMAL, with FLOAT
// it is FLOAT. Division or modulo by zero fails with DivisionByZero.
//
// CAST fails with CastFailed for text that is not of the type; an empty field
// cast to INT fails, so optional numbers are read with
//
//	CAST(NULLIF(x, '') AS INT)
//
// Timestamps follow the W3C profile of ISO 8601 that S3 Select
// documents: YYYYT, YYYY-MMT, YYYY-MM-DD[T], YYYY-MM-DDThh:mm[:ss[.s]]TZD
// with TZD Z or ±hh:mm.
//
// Results: NULL and MISSING are written as empty fields, BOOL as true or
// false, numbers in plain decimal notation (exponent notation below 1e-7 and
// from 1e21), timestamps in RFC 3339 with their own offset. With QuoteFields
// ASNEEDED a field is quoted when it holds the field delimiter, the quote or
// escape character, a character of the record delimiter, CR or LF; the quote
// character inside is preceded by QuoteEscapeCharacter. With ALWAYS every
// field is quoted, empty ones included.
//
// # Reading CSV
//
// Records end at RecordDelimiter (one or two characters) or at the end of
// the archive; a CR before the default LF delimiter is dropped. A field that
// starts with QuoteCharacter is quoted: delimiters inside are data, and a
// doubled quote, or QuoteEscapeCharacter followed by the quote, is a quote.
// A record starting with the Comments character is skipped, and so are empty
// lines. FileHeaderInfo USE and IGNORE take the first record as the header.
// An unclosed quote is a CSVParsingError; a record larger than 1 MiB or with
// more than 1,048,576 fields fails with OverMaxRecordSize or OverMaxColumns.
//
// # Divergences from S3 Select and Glacier Select
//
//   - A field compared with, or combined arithmetically with, a number is read
//     as a number (and with a BOOL or TIMESTAMP as one), where S3 Select
//     documents that uncast data is a string that must be CAST; text that
//     does not convert fails with CastFailed, as the CAST would. Two fields
//     compare as text: s._1 < s._2 is a string comparison. Comparing values
//     of unrelated types (INT with BOOL, say) fails with InvalidDataType.
//   - String functions and LIKE require STRING operands (InvalidDataType
//     otherwise); || converts its operands to STRING.
//   - CAST from a string ignores surrounding spaces and tabs, and CAST of a
//     decimal string such as '12.9' to INT truncates it.
//   - DECIMAL and NUMERIC are binary 64-bit floats (about 16 significant
//     digits), not 38-digit decimals; they differ from FLOAT only in name.
//   - Timestamps keep their offset but not their precision: a date is written
//     as midnight, for example 2019-03-01T00:00:00Z. TO_STRING supports the
//     pattern letters y M d a h H m s S n X x and 'quoted text', and its
//     pattern must be a literal.
//   - FieldDelimiter, QuoteCharacter, QuoteEscapeCharacter and Comments must
//     be single ASCII characters and RecordDelimiter one or two; they must not
//     collide. Comments has no default (S3 Select's is #). Quoted record
//     delimiters are always allowed (S3's AllowQuotedRecordDelimiter is
//     implied), and text after a closing quote is kept.
//   - Operators and CAST on literals only are evaluated by Compile, so 1/0 or
//     CAST('x' AS INT) fails at InitiateJob even where it would not be
//     evaluated.
//   - Fewer reserved words: only the keywords of this dialect, and of the SQL
//     it rejects with a clear message (DISTINCT, GROUP BY, ORDER BY, CASE,
//     ...), need quoting as names.
//   - A result record of a single empty field is written as two quote
//     characters, so that it is not read back as a blank line.
//   - UTCNOW() is the time given to [Query.WithNow] (the Unix epoch without).
//   - Expressions nest at most 1,000 levels deep, counting parentheses,
//     function calls and operators; a chain of ANDs or ORs counts as one
//     level however long it is.
//
// # Errors
//
// Runtime errors name the record, counting the header and not comment or
// blank lines, and the position of the failing operation, for example
//
//	CastFailed: record 4: cannot cast STRING '' to INT (at line 1, column 30)
//
// A run stops at its first error; the records written before it stay written.
package csvselect
