using Relens.Models.Decoder;

namespace Relens.Models.Gemma;

public sealed class GemmaArchitecture() : DecoderArchitecture(["gemma"], GemmaConfig.Spec);
