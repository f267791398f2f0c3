using Relens.Models.Decoder;

namespace Relens.Models.Qwen3;

public sealed class Qwen3Architecture() : DecoderArchitecture(["qwen3"], Qwen3Config.Spec);
