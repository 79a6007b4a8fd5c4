/** The parts of ConvNetJS 0.3.0 (plain JavaScript, no typings) the benchmark uses. */
declare module 'convnetjs' {
  export class Vol {
    constructor(sx: number, sy: number, depth: number, c?: number);
    sx: number;
    sy: number;
    depth: number;
    w: Float64Array;
    dw: Float64Array;
  }
  export interface Layer {
    layer_type: string;
    out_sx: number;
    out_sy: number;
    out_depth: number;
    out_act: Vol;
    forward(v: Vol, isTraining?: boolean): Vol;
  }
  export interface ParamLayer extends Layer {
    filters: Vol[];
    biases: Vol;
  }
  export class ConvLayer implements ParamLayer {
    constructor(opt: Record<string, number>);
    layer_type: string;
    out_sx: number;
    out_sy: number;
    out_depth: number;
    out_act: Vol;
    filters: Vol[];
    biases: Vol;
    forward(v: Vol, isTraining?: boolean): Vol;
  }
  export class PoolLayer implements Layer {
    constructor(opt: Record<string, number>);
    layer_type: string;
    out_sx: number;
    out_sy: number;
    out_depth: number;
    out_act: Vol;
    forward(v: Vol, isTraining?: boolean): Vol;
  }
  export class Net {
    layers: Layer[];
    makeLayers(defs: Record<string, unknown>[]): void;
    forward(v: Vol, isTraining?: boolean): Vol;
  }
  export class Trainer {
    constructor(net: Net, options: Record<string, unknown>);
    train(x: Vol, y: number): { cost_loss: number; loss: number };
  }
  const convnetjs: {
    Vol: typeof Vol;
    ConvLayer: typeof ConvLayer;
    PoolLayer: typeof PoolLayer;
    Net: typeof Net;
    Trainer: typeof Trainer;
    REVISION: string;
  };
  export default convnetjs;
}
