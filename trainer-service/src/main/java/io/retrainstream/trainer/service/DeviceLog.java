package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.retrainstream.trainer.model.TrainingDevices;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.tensorflow.TensorFlow;

/** Logs at start which device TensorFlow trains on, so that a GPU node shows whether its GPU is used. */
@ApplicationScoped
public class DeviceLog {

    void onStart(@Observes StartupEvent event) {
        Log.infof("TensorFlow %s trains on %s", TensorFlow.version(), TrainingDevices.probe());
    }
}
