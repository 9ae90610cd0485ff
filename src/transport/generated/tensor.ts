import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  Tensor as _gradpool_v1_Tensor,
  Tensor__Output as _gradpool_v1_Tensor__Output,
} from './gradpool/v1/Tensor';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gradpool: {
    v1: {
      Tensor: MessageTypeDefinition<_gradpool_v1_Tensor, _gradpool_v1_Tensor__Output>;
    };
  };
}
