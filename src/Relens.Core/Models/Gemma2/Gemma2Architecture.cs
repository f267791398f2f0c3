using Relens.Models.Decoder;

namespace Relens.Models.Gemma2;

public sealed class Gemma2Architecture() : DecoderArchitecture(["gemma2"], Gemma2Config.Spec);
