using Relens.Models.Decoder;

namespace Relens.Models.Qwen2;

public sealed class Qwen2Architecture() : DecoderArchitecture(["qwen2"], Qwen2Config.Spec);
