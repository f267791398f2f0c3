using Relens.Models.Decoder;

namespace Relens.Models.Olmo2;

public sealed class Olmo2Architecture() : DecoderArchitecture(["olmo2"], Olmo2Config.Spec);
