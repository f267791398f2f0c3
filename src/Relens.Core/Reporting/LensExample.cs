using Relens.Lens;

namespace Relens.Reporting;

/// <summary>One relation's attribute-lens example for the report: its saved LRE applied to every layer and
/// token of an n-shot prompt for one LM-known test subject.</summary>
/// <param name="LmAnswer">The LM's own top-1 next token on this prompt (from the sweep records), if known.</param>
public sealed record LensExample(string Relation, string Subject, string Object, string? LmAnswer, string LreLayer, double Beta, LensResult Lens);
