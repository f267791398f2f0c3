using Relens.Models.Decoder;

namespace Relens.Models.Phi3;

public sealed class Phi3Architecture() : DecoderArchitecture(["phi3"], Phi3Config.Spec);
